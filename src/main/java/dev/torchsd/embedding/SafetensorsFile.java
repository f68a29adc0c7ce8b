package dev.torchsd.embedding;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON
 * naming each tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>Our own reader because the format is small and exact, and because a file must never make us
 * allocate or read what it merely claims: {@link #open} checks the whole header against the file's
 * real size before any tensor is read, the same way the reference (Rust) implementation does — the
 * tensors' byte ranges must tile the data area exactly, without overlaps or holes, and each range
 * must hold exactly {@code product(shape) × dtype size} bytes. Tensors are then read one at a time
 * with {@link #read}. General on purpose: checkpoints use the same reader.
 */
public final class SafetensorsFile {

    /** The reference implementation's limit on the JSON header. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";

    /** One tensor's header entry; {@code begin}/{@code end} are offsets into the data area. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long byteLength() {
            return end - begin;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    private final Path file;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Reads and checks the header of {@code file}. */
    public static SafetensorsFile open(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw error(
                        file,
                        "truncated: the file has " + fileSize
                                + " bytes, a safetensors file starts with an 8-byte header length");
            }
            long headerLength =
                    readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
                throw error(
                        file,
                        "header length " + Long.toUnsignedString(headerLength) + " is impossible: expected 2 to "
                                + Math.min(MAX_HEADER_BYTES, fileSize - 8) + " bytes for a file of " + fileSize
                                + " bytes"
                                + " (truncated file, or not a safetensors file)");
            }
            String json = decodeUtf8(file, readFully(channel, 8, (int) headerLength));
            long dataStart = 8 + headerLength;
            return parseHeader(file, json, fileSize - dataStart, dataStart);
        } catch (NoSuchFileException e) {
            throw new EmbeddingException(file + ": file not found");
        } catch (IOException e) {
            throw new EmbeddingException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Tensor names in header order ({@code __metadata__} excluded). */
    public Set<String> names() {
        return entries.keySet();
    }

    /** All header entries, in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The optional {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The entry for {@code name}, or an error naming the tensors that exist. */
    public Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw error(file, "no tensor '" + name + "'; the file holds " + entries.keySet());
        }
        return entry;
    }

    /** Reads one tensor's bytes (sizes were checked by {@link #open}). */
    @SuppressWarnings("ByteBufferBackingArray") // readFully's buffer is ByteBuffer.allocate(length): the whole array
    public StoredTensor read(String name) {
        Entry entry = entry(name);
        if (entry.byteLength() > Integer.MAX_VALUE - 16) {
            throw error(
                    file,
                    "tensor '" + name + "' has " + entry.byteLength() + " bytes, more than one Java array can hold");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() < dataStart + entry.end()) {
                throw error(file, "the file shrank while being read");
            }
            ByteBuffer buffer = readFully(channel, dataStart + entry.begin(), (int) entry.byteLength());
            return new StoredTensor(name, entry.dtype(), entry.shape(), buffer.array());
        } catch (IOException e) {
            throw new EmbeddingException(file + ": cannot read tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    private static SafetensorsFile parseHeader(Path file, String json, long dataLength, long dataStart) {
        JsonObject header = parseJsonObject(file, json);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonElement> member : header.entrySet()) {
            String name = member.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(file, member.getValue());
            } else {
                entries.put(name, parseEntry(file, name, member.getValue(), dataLength));
            }
        }
        checkTiling(file, entries.values(), dataLength);
        return new SafetensorsFile(file, dataStart, Collections.unmodifiableMap(entries), metadata);
    }

    private static JsonObject parseJsonObject(Path file, String json) {
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            JsonElement element = new Gson().getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw error(file, "header: text after the JSON object");
            }
            if (!element.isJsonObject()) {
                throw error(file, "header: expected a JSON object, found " + describe(element));
            }
            return element.getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            String detail = String.valueOf(e.getMessage());
            java.util.regex.Matcher location =
                    java.util.regex.Pattern.compile("line \\d+ column \\d+").matcher(detail);
            throw error(
                    file,
                    "header is not valid JSON" + (location.find() ? " (at " + location.group() + ")" : "")
                            + ": not a safetensors file, or a corrupt one");
        }
    }

    private static Map<String, String> parseMetadata(Path file, JsonElement value) {
        if (!value.isJsonObject()) {
            throw error(file, "header: " + METADATA_KEY + " must be an object of strings, found " + describe(value));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> member : value.getAsJsonObject().entrySet()) {
            JsonElement v = member.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw error(
                        file,
                        "header: " + METADATA_KEY + "." + member.getKey() + " must be a string, found " + describe(v));
            }
            metadata.put(member.getKey(), v.getAsString());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry parseEntry(Path file, String name, JsonElement value, long dataLength) {
        String where = "header: tensor '" + name + "'";
        if (!value.isJsonObject()) {
            throw error(
                    file, where + ": expected an object with dtype, shape and data_offsets, found " + describe(value));
        }
        JsonObject object = value.getAsJsonObject();
        JsonElement dtypeValue = object.get("dtype");
        if (dtypeValue == null
                || !dtypeValue.isJsonPrimitive()
                || !dtypeValue.getAsJsonPrimitive().isString()) {
            throw error(file, where + ": dtype must be a string, found " + describe(dtypeValue));
        }
        String dtypeName = dtypeValue.getAsString();
        DType dtype = DType.fromSafetensorsName(dtypeName)
                .filter(d -> d.name().equals(dtypeName))
                .orElseThrow(() -> error(
                        file,
                        where + ": unknown dtype '" + dtypeName + "', expected one of "
                                + Arrays.toString(DType.values())));
        long[] shape = nonNegativeLongs(file, where + ": shape", object.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, where + ": data_offsets", object.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataLength) {
            throw error(
                    file,
                    where + ": data_offsets [" + begin + ", " + end + "] do not fit the data area of " + dataLength
                            + " bytes (truncated file, or a header that lies)");
        }
        long needed;
        try {
            needed = Math.multiplyExact(StoredTensor.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw error(file, where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        if (needed != end - begin) {
            throw error(
                    file,
                    where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + needed
                            + " bytes, but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** The byte ranges must cover [0, dataLength) exactly once, as the reference implementation demands. */
    private static void checkTiling(Path file, java.util.Collection<Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        for (Entry entry : sorted) {
            if (entry.begin() != expectedBegin) {
                String problem =
                        entry.begin() < expectedBegin ? "overlaps the previous tensor" : "leaves a gap before it";
                throw error(
                        file,
                        "header: tensor '" + entry.name() + "' starts at " + entry.begin() + " and " + problem
                                + " (expected it to start at " + expectedBegin + ")");
            }
            expectedBegin = entry.end();
        }
        if (expectedBegin != dataLength) {
            throw error(
                    file,
                    "header: the tensors cover " + expectedBegin + " bytes of data, but the file has " + dataLength
                            + " bytes after the header");
        }
    }

    private static long[] nonNegativeLongs(Path file, String where, JsonElement value, int requiredLength) {
        if (value == null || !value.isJsonArray()) {
            throw error(file, where + " must be an array of integers, found " + describe(value));
        }
        JsonArray array = value.getAsJsonArray();
        if (requiredLength >= 0 && array.size() != requiredLength) {
            throw error(file, where + " must have " + requiredLength + " entries, found " + array.size());
        }
        long[] result = new long[array.size()];
        for (int i = 0; i < result.length; i++) {
            JsonElement item = array.get(i);
            long number;
            try {
                if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isNumber()) {
                    throw new NumberFormatException();
                }
                number = item.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw error(file, where + "[" + i + "] must be an integer, found " + item);
            }
            if (number < 0) {
                throw error(file, where + "[" + i + "] must not be negative, found " + number);
            }
            result[i] = number;
        }
        return result;
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw error(file, "header is not valid UTF-8 (not a safetensors file?)");
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        buffer.flip();
        return buffer;
    }

    private static String describe(JsonElement element) {
        if (element == null || element.isJsonNull()) {
            return "nothing";
        }
        String text = element.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    private static EmbeddingException error(Path file, String message) {
        return new EmbeddingException(file + ": " + message);
    }

    /** Whether {@code file} starts like a safetensors file (used to recognise formats by content). */
    public static boolean looksLikeSafetensors(byte[] firstBytes) {
        return firstBytes.length >= 9 && firstBytes[8] == '{' && firstBytes[6] == 0 && firstBytes[7] == 0;
    }

    public static byte[] firstBytes(Path file, int count) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(count);
        }
    }
}
