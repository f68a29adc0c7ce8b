package dev.torchsd.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.TestSafetensors;
import dev.torchsd.TestSafetensors.Raw;
import dev.torchsd.embedding.DType;
import dev.torchsd.embedding.StoredTensor;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A file's factors reach libtorch from their stored bits: the values are those the Java decoder
 * gives (every bit pattern of float16 / bfloat16, subnormals included), and a NaN or infinity of
 * any of the three types is refused, found from the bits as the decoder would find it.
 */
class StoredFactorsTest {
    static final String KEY = "lora_unet_down_blocks_0_attentions_0_proj_in";

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "F16", "BF16"})
    void factorTensorsHoldTheDecodedValues(DType dtype) {
        StoredTensor stored = new StoredTensor("t", dtype, new long[] {64, 256}, finiteBits(dtype, 64 * 256, 1));
        float[] decoded = stored.toFloats();
        try (var scope = new org.bytedeco.javacpp.PointerScope()) {
            float[] values = Tensors.toFloats(FactorTensors.float32(stored));
            for (int i = 0; i < decoded.length; i++) {
                assertThat(Float.floatToRawIntBits(values[i]))
                        .as("element %d", i)
                        .isEqualTo(Float.floatToRawIntBits(decoded[i]));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "F16", "BF16"})
    void nonFiniteValuesAreRefusedAndFiniteOnesRead(DType dtype) throws Exception {
        byte[] up = finiteBits(dtype, 8 * 2, 2);
        Path finite = write("finite.safetensors", dtype, up);
        assertThat(LoraReader.read(finite).modules()).hasSize(1);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            byte[] withBad = up.clone();
            put(dtype, withBad, 5, bad);
            Path file = write("bad.safetensors", dtype, withBad);
            assertThatThrownBy(() -> LoraReader.read(file))
                    .isInstanceOf(LoraException.class)
                    .hasMessageContaining(KEY + ".lora_up.weight")
                    .hasMessageContaining("NaN or infinite");
        }
    }

    /** Random bit patterns of {@code dtype}, each finite as the decoder reads it (others are redrawn). */
    static byte[] finiteBits(DType dtype, int count, long seed) {
        Random random = new Random(seed);
        byte[] data = new byte[count * dtype.byteSize()];
        for (int i = 0; i < count; i++) {
            do {
                putBits(dtype, data, i, dtype == DType.F32 ? random.nextInt() : random.nextInt(1 << 16));
            } while (!Float.isFinite(dtype.decode(data, i)));
        }
        return data;
    }

    /** Stores NaN or an infinity as element {@code i}. */
    static void put(DType dtype, byte[] data, int i, float v) {
        int bits = switch (dtype) {
            case F32 -> Float.floatToRawIntBits(v);
            case BF16 -> Float.floatToRawIntBits(v) >>> 16;
            default -> Float.isNaN(v) ? 0x7e00 : v > 0 ? 0x7c00 : 0xfc00;
        };
        putBits(dtype, data, i, bits);
        assertThat(Float.isFinite(dtype.decode(data, i))).isFalse();
    }

    static void putBits(DType dtype, byte[] data, int i, int bits) {
        for (int b = 0; b < dtype.byteSize(); b++) {
            data[i * dtype.byteSize() + b] = (byte) (bits >> (8 * b));
        }
    }

    /** A kohya file of one rank-2 module: lora_down [2, 8] (zeros) and lora_up [8, 2] = {@code up}. */
    Path write(String name, DType dtype, byte[] up) throws Exception {
        Map<String, Raw> tensors = new LinkedHashMap<>();
        tensors.put(KEY + ".lora_down.weight", new Raw(dtype.name(), new long[] {2, 8}, new byte[up.length]));
        tensors.put(KEY + ".lora_up.weight", new Raw(dtype.name(), new long[] {8, 2}, up));
        Path file = dir.resolve(name);
        TestSafetensors.writeRaw(file, tensors, Map.of());
        return file;
    }
}
