package dev.torchsd.tokenizer;

/**
 * CLIP's byte-level alphabet: each of the 256 byte values is written as one printable character, so that
 * BPE can work on strings of printable characters while still covering every possible UTF-8 byte.
 *
 * <p>Bytes that are already printable Latin-1 ({@code !}..{@code ~}, {@code ¡}..{@code ¬},
 * {@code ®}..{@code ÿ}) stand for themselves; the other 68 (controls, space, soft hyphen, ...) are given
 * the characters U+0100 onwards in byte order. CLIP numbers the base vocabulary in the order "printable
 * bytes first, then the others", which {@link #byteInVocabularyOrder(int)} reproduces: the first 256
 * vocabulary entries are these characters and the next 256 the same characters followed by {@code </w>}.
 */
final class ByteAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_IN_ORDER = new int[256];
    private static final int[] BYTE_OF_CHAR = new int[0x100 + 68];

    static {
        int position = 0;
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                CHAR_OF_BYTE[b] = (char) b;
                BYTE_IN_ORDER[position++] = b;
            }
        }
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            if (!isPrintable(b)) {
                CHAR_OF_BYTE[b] = (char) (0x100 + extra++);
                BYTE_IN_ORDER[position++] = b;
            }
        }
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        for (int b = 0; b < 256; b++) {
            BYTE_OF_CHAR[CHAR_OF_BYTE[b]] = b;
        }
    }

    private ByteAlphabet() {}

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b & 0xFF];
    }

    /** The byte a character stands for, or -1 when the character is not part of the alphabet. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }

    /** The byte value CLIP gives vocabulary id {@code index} (0..255). */
    static int byteInVocabularyOrder(int index) {
        return BYTE_IN_ORDER[index];
    }
}
