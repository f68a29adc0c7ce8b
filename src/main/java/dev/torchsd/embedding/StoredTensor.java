package dev.torchsd.embedding;

import java.util.Arrays;

/**
 * A tensor as a file stores it: element type, shape and its elements as contiguous little-endian
 * bytes in row-major order. Readers produce it; {@link #toFloats()} turns it into Java floats.
 *
 * @param name  where the tensor came from, for messages (a safetensors key, a pickle path)
 * @param dtype element type
 * @param shape sizes, outermost first; empty for a scalar
 * @param data  {@code elementCount() × dtype.byteSize()} bytes
 */
public record StoredTensor(String name, DType dtype, long[] shape, byte[] data) {

    public StoredTensor {
        long expected = elementCount(shape) * dtype.byteSize();
        if (data.length != expected) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes for shape " + Arrays.toString(shape)
                    + " of " + dtype.torchName() + ", expected " + expected);
        }
    }

    /** Number of elements, the product of the shape (1 for a scalar). */
    public long elementCount() {
        return elementCount(shape);
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** All elements as floats, in row-major order. */
    public float[] toFloats() {
        int count = Math.toIntExact(elementCount());
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = dtype.decode(data, i);
        }
        return values;
    }

    /**
     * The product of {@code shape}; negative sizes and products beyond {@code long} are refused
     * with {@link ArithmeticException} / {@link IllegalArgumentException} (readers check first).
     */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long size : shape) {
            if (size < 0) {
                throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, size);
        }
        return count;
    }

    @Override
    public String toString() {
        return name + " " + dtype.torchName() + Arrays.toString(shape);
    }
}
