package dev.torchsd.embedding;

import java.util.Locale;
import java.util.Optional;

/**
 * Element types of stored tensors, under the names safetensors uses. Every type a safetensors
 * header may name is known (so a header's sizes and offsets can be checked whatever it holds),
 * but only the three floating-point types that embeddings and checkpoints use can be turned
 * into floats: {@link #isDecodable()}.
 */
public enum DType {
    F32(4, "float32", true),
    F16(2, "float16", true),
    BF16(2, "bfloat16", true),
    F64(8, "float64", false),
    F8_E4M3(1, "float8_e4m3fn", false),
    F8_E5M2(1, "float8_e5m2", false),
    I64(8, "int64", false),
    I32(4, "int32", false),
    I16(2, "int16", false),
    I8(1, "int8", false),
    U64(8, "uint64", false),
    U32(4, "uint32", false),
    U16(2, "uint16", false),
    U8(1, "uint8", false),
    BOOL(1, "bool", false);

    private final int byteSize;
    private final String torchName;
    private final boolean decodable;

    DType(int byteSize, String torchName, boolean decodable) {
        this.byteSize = byteSize;
        this.torchName = torchName;
        this.decodable = decodable;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name PyTorch prints, e.g. {@code float16}. */
    public String torchName() {
        return torchName;
    }

    /** Whether {@link #decode} can read this type (F32, F16, BF16). */
    public boolean isDecodable() {
        return decodable;
    }

    /** The type for a safetensors dtype string such as {@code "F16"}, if it is one. */
    public static Optional<DType> fromSafetensorsName(String name) {
        try {
            return Optional.of(DType.valueOf(name.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads element {@code index} of little-endian {@code data} as a float.
     *
     * @throws EmbeddingException for a type that is not {@link #isDecodable()}
     */
    public float decode(byte[] data, int index) {
        switch (this) {
            case F32: {
                int at = index * 4;
                int bits = (data[at] & 0xff)
                        | (data[at + 1] & 0xff) << 8
                        | (data[at + 2] & 0xff) << 16
                        | data[at + 3] << 24;
                return Float.intBitsToFloat(bits);
            }
            case F16: {
                int at = index * 2;
                return halfToFloat((data[at] & 0xff) | (data[at + 1] & 0xff) << 8);
            }
            case BF16: {
                int at = index * 2;
                return Float.intBitsToFloat(((data[at] & 0xff) | (data[at + 1] & 0xff) << 8) << 16);
            }
            default:
                throw new EmbeddingException("cannot read " + torchName
                        + " values as floats: only float32, float16 and bfloat16 are supported");
        }
    }

    /** IEEE 754 half precision (16 bits) to float, exactly: every half is a float. */
    static float halfToFloat(int half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa × 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
    }
}
