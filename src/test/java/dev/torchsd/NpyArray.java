package dev.torchsd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A float32 array read from a numpy {@code .npy} file (what {@code np.save} writes for a C-ordered
 * little-endian float32 array), for comparing with results of the Python references.
 */
public record NpyArray(long[] shape, float[] values) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([0-9,\\s]*)\\)");

    public static NpyArray read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        bytes.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = bytes.get();
        bytes.get();
        int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort()) : bytes.getInt();
        byte[] headerBytes = new byte[headerLength];
        bytes.get(headerBytes);
        String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
        if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
            throw new IOException(file + ": expected a C-ordered little-endian float32 array, found header " + header.trim());
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": no shape in header " + header.trim());
        }
        long[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        bytes.asFloatBuffer().get(values);
        return new NpyArray(shape, values);
    }
}
