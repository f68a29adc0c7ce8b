package dev.torchsd.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A file written by {@code torch.save}: since PyTorch 1.6 a zip archive holding
 * {@code <name>/data.pkl}, the pickled object, and one entry {@code <name>/data/<key>} per storage
 * with its raw little-endian bytes.
 *
 * <p>The pickle is read by {@link RestrictedUnpickler} (data only, nothing executed); each tensor it
 * describes is read here, right away, into a contiguous {@link StoredTensor}. Only the elements the
 * tensor's view covers are read — a file may save a slice of a larger table — and every size the
 * pickle claims is checked against the archive entry before anything is allocated. Files in the
 * older, non-zip format are handed to {@link LegacyTorchFile}.
 */
public final class TorchArchive {

    /** The largest pickle read; an embedding's pickle is a few hundred bytes. */
    public static final long MAX_PICKLE_BYTES = 64L * 1024 * 1024;

    /** PyTorch's pre-1.6 format starts with a pickled magic number (protocol 2, LONG1 of 10 bytes). */
    private static final byte[] LEGACY_MAGIC = {
        (byte) 0x80,
        0x02,
        (byte) 0x8a,
        0x0a,
        0x6c,
        (byte) 0xfc,
        (byte) 0x9c,
        0x46,
        (byte) 0xf9,
        0x20,
        0x6a,
        (byte) 0xa8,
        0x50,
        0x19
    };

    private TorchArchive() {}

    /**
     * Reads the object saved in {@code file}, with tensors as {@link StoredTensor}s.
     *
     * @throws EmbeddingException for anything that is not a torch file (zip or legacy) of plain data
     */
    public static Object load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EmbeddingException(file + ": file not found");
        }
        try {
            byte[] start = SafetensorsFile.firstBytes(file, LEGACY_MAGIC.length);
            if (Arrays.equals(start, LEGACY_MAGIC)) {
                return LegacyTorchFile.load(file);
            }
        } catch (IOException e) {
            throw new EmbeddingException(file + ": cannot read: " + e.getMessage(), e);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = archivePrefix(file, zip);
            checkByteOrder(file, zip, prefix);
            ZipEntry pickleEntry = zip.getEntry(prefix + "data.pkl");
            byte[] pickle = readEntry(file, zip, pickleEntry, MAX_PICKLE_BYTES);
            String source = file + ": " + pickleEntry.getName();
            return RestrictedUnpickler.load(pickle, source, tensor -> readTensor(file, zip, prefix, tensor));
        } catch (NoSuchFileException e) {
            throw new EmbeddingException(file + ": file not found");
        } catch (ZipException e) {
            throw new EmbeddingException(
                    file + ": not a torch archive (a zip file), or a truncated one: " + e.getMessage());
        } catch (IOException e) {
            throw new EmbeddingException(file + ": cannot read the archive: " + e.getMessage(), e);
        }
    }

    /** The single {@code <name>/} folder that holds {@code data.pkl}. */
    private static String archivePrefix(Path file, ZipFile zip) {
        List<String> pickles = new ArrayList<>();
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.equals("data.pkl")
                    || (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length())) {
                pickles.add(name);
            }
        }
        if (pickles.size() != 1) {
            throw new EmbeddingException(file + ": a torch archive holds exactly one <name>/data.pkl, found "
                    + (pickles.isEmpty() ? "none (a zip file, but not one torch.save wrote)" : pickles));
        }
        String pickle = pickles.get(0);
        return pickle.substring(0, pickle.length() - "data.pkl".length());
    }

    private static void checkByteOrder(Path file, ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return; // written before torch recorded it: little-endian
        }
        String order = new String(readEntry(file, zip, entry, 16), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new EmbeddingException(
                    file + ": " + entry.getName() + " says '" + order + "', only little-endian archives are read");
        }
    }

    private static StoredTensor readTensor(Path file, ZipFile zip, String prefix, PickledTensor tensor) {
        TorchStorageRef storage = tensor.storage();
        String entryName = prefix + "data/" + storage.key();
        String where = file + ": " + tensor + " in " + entryName;
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null || storage.key().contains("/") || storage.key().contains("..")) {
            throw new EmbeddingException(where + ": the storage entry is missing from the archive");
        }
        StridedView view = StridedView.of(where, tensor);
        int elementSize = storage.dtype().byteSize();
        if (storage.elementCount() > Long.MAX_VALUE / elementSize
                || entry.getSize() != storage.elementCount() * elementSize) {
            throw new EmbeddingException(
                    where + ": the storage entry has " + entry.getSize() + " bytes, the pickle says "
                            + storage.elementCount() + " × " + elementSize + " (truncated or corrupt archive)");
        }
        int spanBytes = Math.toIntExact(view.spanBytes());
        byte[] span;
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(view.firstIndex() * elementSize);
            span = in.readNBytes(spanBytes);
        } catch (IOException e) {
            throw new EmbeddingException(
                    where + ": cannot read the storage (truncated archive?): " + e.getMessage(), e);
        }
        if (span.length != spanBytes) {
            throw new EmbeddingException(where + ": the storage entry ends early (truncated archive)");
        }
        return view.gather(span);
    }

    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, long limit) throws IOException {
        if (entry.getSize() > limit) {
            throw new EmbeddingException(file + ": " + entry.getName() + " has " + entry.getSize()
                    + " bytes, more than the " + limit + " expected");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) limit);
            if (in.read() >= 0) {
                throw new EmbeddingException(
                        file + ": " + entry.getName() + " is larger than the " + limit + " bytes expected");
            }
            return bytes;
        }
    }
}
