package dev.torchsd.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Damaged variants of a valid file, reproducible from a seed: truncation, bit flips, inserted and
 * deleted runs, duplicated chunks, lying numbers, and deep nesting for text formats.
 */
public final class Mutator {
    private final Random random;

    public Mutator(long seed) {
        this.random = new Random(seed);
    }

    public byte[] mutate(byte[] original) {
        byte[] b = original.clone();
        int kind = random.nextInt(8);
        return switch (kind) {
            case 0 -> Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
            case 1 -> flipBits(b, 1 + random.nextInt(8));
            case 2 -> insert(b, randomBytes(1 + random.nextInt(16)));
            case 3 -> delete(b);
            case 4 -> duplicate(b);
            case 5 -> setBytes(b, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f});
            case 6 -> insert(b, "99999999999999999999".getBytes(StandardCharsets.US_ASCII));
            default -> insert(b, nesting(1 + random.nextInt(100_000)));
        };
    }

    private byte[] flipBits(byte[] b, int count) {
        for (int i = 0; i < count && b.length > 0; i++) {
            int at = random.nextInt(b.length);
            b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
    }

    private byte[] randomBytes(int n) {
        byte[] r = new byte[n];
        random.nextBytes(r);
        return r;
    }

    private byte[] insert(byte[] b, byte[] what) {
        int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    private byte[] delete(byte[] b) {
        if (b.length < 2) {
            return b;
        }
        int from = random.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + random.nextInt(64));
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        return out;
    }

    private byte[] duplicate(byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int from = random.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + random.nextInt(256));
        return insert(b, Arrays.copyOfRange(b, from, to));
    }

    private byte[] setBytes(byte[] b, byte[] what) {
        if (b.length >= what.length) {
            int at = random.nextInt(b.length - what.length + 1);
            System.arraycopy(what, 0, b, at, what.length);
        }
        return b;
    }

    private static byte[] nesting(int depth) {
        byte[] out = new byte[depth * 2];
        Arrays.fill(out, 0, depth, (byte) '[');
        Arrays.fill(out, depth, 2 * depth, (byte) ']');
        return out;
    }
}
