package dev.torchsd;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Safetensors files written by tests: header length, JSON header, little-endian data (float32, or raw bytes of any type). */
public final class TestSafetensors {
    /** A tensor to write: its shape and values in row-major order. */
    public record Values(long[] shape, float[] values) {}

    /** A tensor to write as stored bytes: its safetensors dtype ({@code F16}, …), shape and little-endian data. */
    public record Raw(String dtype, long[] shape, byte[] data) {}

    private TestSafetensors() {}

    public static void write(Path file, Map<String, Values> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Raw> raw = new LinkedHashMap<>();
        tensors.forEach((name, v) -> {
            ByteBuffer data = ByteBuffer.allocate(4 * v.values().length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v.values()) {
                data.putFloat(f);
            }
            raw.put(name, new Raw("F32", v.shape(), data.array()));
        });
        writeRaw(file, raw, metadata);
    }

    public static void writeRaw(Path file, Map<String, Raw> tensors, Map<String, String> metadata) throws IOException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", e.getValue().dtype());
            JsonArray shape = new JsonArray();
            for (long s : e.getValue().shape()) {
                shape.add(s);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.getValue().data().length;
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            header.add(e.getKey(), entry);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer =
                ByteBuffer.allocate(Math.toIntExact(8 + json.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        for (Raw r : tensors.values()) {
            buffer.put(r.data());
        }
        Files.write(file, buffer.array());
    }

    /**
     * As {@link #write}, with a metadata entry {@code pad} sized so that the header length's two low bytes
     * are 0x80 0x02: the file's first bytes are those of a pickle (protocol 2), as one safetensors file in
     * 65,536 has them.
     */
    public static void writeStartingLikeAPickle(Path file, Map<String, Values> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, String> padded = new LinkedHashMap<>(metadata);
        padded.put("pad", "");
        write(file, tensors, padded);
        long length = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
        padded.put("pad", "x".repeat((int) Math.floorMod(0x0280 - length, 65536L)));
        write(file, tensors, padded);
        byte[] start = Files.readAllBytes(file);
        if ((start[0] & 0xff) != 0x80 || start[1] != 0x02) {
            throw new IllegalStateException(file + ": the header length does not start with 0x80 0x02");
        }
    }
}
