package dev.torchsd.embedding;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A file written by PyTorch before 1.6 (or with {@code _use_new_zipfile_serialization=False}):
 * five pickles in a row — magic number, protocol version 1001, system info, the object, the list of
 * storage keys — then each storage, in that list's order, as an 8-byte little-endian element count
 * followed by its raw bytes.
 *
 * <p>Read with the same {@link RestrictedUnpickler} as zip archives: nothing is executed. The object
 * pickle is read twice: first to find where it ends and which element type each storage has (the
 * storage blocks do not say), then, once the storages behind it are located, to build its tensors.
 */
final class LegacyTorchFile {

    /** The largest legacy file read; embeddings are kilobytes. */
    static final long MAX_FILE_BYTES = 256L * 1024 * 1024;

    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL_VERSION = 1001;

    private LegacyTorchFile() {}

    /** Where one storage's bytes are in the file. */
    private record StorageBlock(long elementCount, int dataOffset) {}

    static Object load(Path file) {
        byte[] data;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new EmbeddingException(
                        file + ": a legacy torch file of " + size + " bytes; at most " + MAX_FILE_BYTES + " are read");
            }
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EmbeddingException(file + ": cannot read: " + e.getMessage(), e);
        }
        String source = file + " (legacy torch format)";
        RestrictedUnpickler.Result magic = RestrictedUnpickler.loadFrom(data, 0, source, t -> t);
        if (!(magic.value() instanceof BigInteger number) || !number.equals(MAGIC)) {
            throw new EmbeddingException(source + ": wrong magic number " + magic.value());
        }
        RestrictedUnpickler.Result protocol = RestrictedUnpickler.loadFrom(data, magic.end(), source, t -> t);
        if (!Long.valueOf(PROTOCOL_VERSION).equals(protocol.value())) {
            throw new EmbeddingException(
                    source + ": protocol version " + protocol.value() + ", expected " + PROTOCOL_VERSION);
        }
        RestrictedUnpickler.Result sysInfo = RestrictedUnpickler.loadFrom(data, protocol.end(), source, t -> t);
        if (sysInfo.value() instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new EmbeddingException(
                    source + ": written on a big-endian machine; only little-endian files are read");
        }
        int objectStart = sysInfo.end();
        Map<String, DType> dtypes = new HashMap<>();
        RestrictedUnpickler.Result firstPass = RestrictedUnpickler.loadFrom(data, objectStart, source, tensor -> {
            dtypes.put(tensor.storage().key(), tensor.storage().dtype());
            return tensor;
        });
        RestrictedUnpickler.Result keys = RestrictedUnpickler.loadFrom(data, firstPass.end(), source, t -> t);
        if (!(keys.value() instanceof List<?> keyList)) {
            throw new EmbeddingException(
                    source + ": expected the list of storage keys after the object, found " + keys.value());
        }
        Map<String, StorageBlock> blocks = locateStorages(source, data, keys.end(), keyList, dtypes);
        return RestrictedUnpickler.loadFrom(
                        data, objectStart, source, tensor -> readTensor(source, data, blocks, tensor))
                .value();
    }

    private static Map<String, StorageBlock> locateStorages(
            String source, byte[] data, int start, List<?> keys, Map<String, DType> dtypes) {
        Map<String, StorageBlock> blocks = new HashMap<>();
        long at = start;
        for (Object key : keys) {
            DType dtype = dtypes.get(String.valueOf(key));
            if (dtype == null) {
                throw new EmbeddingException(
                        source + ": storage '" + key + "' is used by no tensor; its size is unknown");
            }
            if (at + 8 > data.length) {
                throw new EmbeddingException(source + ": truncated: storage '" + key + "' is missing at byte " + at);
            }
            long count = 0;
            for (int i = 7; i >= 0; i--) {
                count = count << 8 | (data[(int) at + i] & 0xffL);
            }
            at += 8;
            long left = data.length - at;
            if (count < 0 || count > left / dtype.byteSize()) {
                throw new EmbeddingException(source + ": truncated: storage '" + key + "' claims " + count + " × "
                        + dtype.byteSize() + " bytes, the file has " + left + " left");
            }
            blocks.put(String.valueOf(key), new StorageBlock(count, (int) at));
            at += count * dtype.byteSize();
        }
        if (at != data.length) {
            throw new EmbeddingException(source + ": corrupt: " + (data.length - at) + " bytes after the last storage");
        }
        return blocks;
    }

    private static StoredTensor readTensor(
            String source, byte[] data, Map<String, StorageBlock> blocks, PickledTensor tensor) {
        TorchStorageRef storage = tensor.storage();
        StorageBlock block = blocks.get(storage.key());
        String where = source + ": " + tensor;
        if (block == null) {
            throw new EmbeddingException(where + ": storage '" + storage.key() + "' is not in the file");
        }
        if (block.elementCount() != storage.elementCount()) {
            throw new EmbeddingException(where + ": storage '" + storage.key() + "' holds " + block.elementCount()
                    + " elements, the pickle says " + storage.elementCount() + " (corrupt file)");
        }
        StridedView view = StridedView.of(where, tensor);
        int elementSize = storage.dtype().byteSize();
        int from = Math.toIntExact(block.dataOffset() + view.firstIndex() * elementSize);
        byte[] span = Arrays.copyOfRange(data, from, Math.toIntExact(from + view.spanBytes()));
        return view.gather(span);
    }
}
