package dev.torchsd.pipeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Latents as Java values: float32, row-major, shape (batch, channels, height / scale, width / scale).
 * What a {@link GenerationResult} ends with (before the division by the VAE's scaling factor) and
 * what a {@link GenerationRequest} may start from. Read and written as NumPy {@code .npy} files,
 * so a Python session can compare them ({@code numpy.load}).
 */
public final class Latents {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern NPY_HEADER =
            Pattern.compile("\\{'descr': '<f4', 'fortran_order': False, 'shape': \\(([0-9, ]*)\\), *\\} *\\n");

    private final long[] shape;
    private final float[] values;

    /**
     * A copy of {@code values} in {@code shape} (four dimensions).
     *
     * @param shape (batch, channels, height, width), each at least 1
     * @param values the product of {@code shape} values, row-major
     * @throws RequestException if {@code shape} does not have four positive dimensions or does not hold
     *     exactly {@code values.length} values
     */
    public Latents(long[] shape, float[] values) {
        if (shape.length != 4) {
            throw new RequestException(
                    "latents must have 4 dimensions (batch, channels, height, width), got " + Arrays.toString(shape));
        }
        long count = 1;
        for (long d : shape) {
            if (d < 1) {
                throw new RequestException("latents shape " + Arrays.toString(shape) + " has an empty dimension");
            }
            count *= d;
        }
        if (count != values.length) {
            throw new RequestException(
                    "latents shape " + Arrays.toString(shape) + " holds " + count + " values, got " + values.length);
        }
        this.shape = shape.clone();
        this.values = values.clone();
    }

    /**
     * The dimensions.
     *
     * @return a copy of (batch, channels, height, width)
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The values.
     *
     * @return a copy of the values, row-major
     */
    public float[] values() {
        return values.clone();
    }

    /**
     * The latents as a NumPy .npy file (version 1.0, little-endian float32, C order).
     *
     * @return the file's bytes
     */
    public byte[] toNpy() {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String dict =
                "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.substring(0, dims.length() - 2) + "), }";
        int unpadded = NPY_MAGIC.length + 4 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer out = ByteBuffer.allocate(NPY_MAGIC.length + 4 + header.length() + 4 * values.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(NPY_MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.US_ASCII));
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /**
     * Reads a .npy file of little-endian float32 in C order with four dimensions, as {@link #toNpy()} writes.
     *
     * @param npy the file's bytes
     * @param source where they came from (e.g. the file name), for error messages
     * @return the latents
     * @throws RequestException naming {@code source} if the bytes are not such a file or their shape is not
     *     four positive dimensions
     */
    public static Latents fromNpy(byte[] npy, String source) {
        ByteBuffer in = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
        if (npy.length < 10 || !Arrays.equals(Arrays.copyOf(npy, 6), NPY_MAGIC)) {
            throw new RequestException(source + ": not a NumPy .npy file");
        }
        int major = npy[6];
        int headerLength =
                major == 1 ? Short.toUnsignedInt(in.getShort(8)) : major >= 2 && npy.length >= 12 ? in.getInt(8) : -1;
        int start = major == 1 ? 10 : 12;
        if (headerLength < 0 || start + headerLength > npy.length) {
            throw new RequestException(source + ": .npy header of version " + major + " cannot be read");
        }
        String header = new String(npy, start, headerLength, StandardCharsets.US_ASCII);
        Matcher m = NPY_HEADER.matcher(header);
        if (!m.matches()) {
            throw new RequestException(
                    source + ": expected little-endian float32 in C order ('<f4'), found header " + header.strip());
        }
        long[] shape = Arrays.stream(m.group(1).split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong)
                .toArray();
        int dataStart = start + headerLength;
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if ((npy.length - dataStart) != 4 * count) {
            throw new RequestException(source + ": shape " + Arrays.toString(shape) + " needs " + 4 * count
                    + " bytes of data, the file has " + (npy.length - dataStart));
        }
        float[] values = new float[(int) count];
        ByteBuffer.wrap(npy, dataStart, npy.length - dataStart)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(values);
        return new Latents(shape, values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Latents l && Arrays.equals(shape, l.shape) && Arrays.equals(values, l.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "Latents" + Arrays.toString(shape);
    }
}
