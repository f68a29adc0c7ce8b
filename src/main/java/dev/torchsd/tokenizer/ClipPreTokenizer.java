package dev.torchsd.tokenizer;

import java.util.List;

/**
 * Splits cleaned text into the words that BPE encodes one by one, as CLIP's pattern does:
 * <pre>
 * &lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 * </pre>
 * (case-insensitive, Python {@code regex} module). At each position the first alternative that matches
 * wins, so: a run of letters is one word; every digit is a word of its own ({@code 2025} is four);
 * a run of anything else but whitespace is one word, and it swallows a following {@code '} or
 * {@code <|endoftext|>} ({@code "!'s"} is {@code "!'"} then {@code "s"}); combining marks are not letters
 * (Thai {@code ปี} is two words). Case-insensitivity only matters for {@code ſ} (long s), which still
 * matches {@code s} after lowercasing, so {@code 'ſ} is a contraction like {@code 's}.
 *
 * <p>Hand-written rather than {@link java.util.regex.Pattern} for speed; a test checks both agree.
 */
final class ClipPreTokenizer {
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    private static final String[] CONTRACTIONS = {"s", "t", "re", "ve", "m", "ll", "d"};

    private ClipPreTokenizer() {}

    /**
     * Appends the words of {@code text} to {@code words}. A special token in the text is one word; it
     * stands for its id only when spelled exactly (OpenAI's code looks such words up as they are, so
     * {@code <|ſtartoftext|>} is one word that BPE encodes).
     */
    static void split(String text, List<String> words) {
        int i = 0;
        int length = text.length();
        while (i < length) {
            int c = text.codePointAt(i);
            int end;
            if (ClipTextCleaner.isWhiteSpace(c)) {
                i += Character.charCount(c);
                continue;
            }
            if ((c == '<'
                            && ((end = matchIgnoringCase(text, i, START_OF_TEXT)) > 0
                                    || (end = matchIgnoringCase(text, i, END_OF_TEXT)) > 0))
                    || (c == '\'' && (end = contractionEnd(text, i + 1)) > 0)) {
                words.add(text.substring(i, end));
                i = end;
                continue;
            }
            end = i + Character.charCount(c);
            if (Character.isLetter(c)) {
                while (end < length && Character.isLetter(text.codePointAt(end))) {
                    end += Character.charCount(text.codePointAt(end));
                }
            } else if (!isNumber(c)) {
                while (end < length && isOther(text.codePointAt(end))) {
                    end += Character.charCount(text.codePointAt(end));
                }
            }
            words.add(text.substring(i, end));
            i = end;
        }
    }

    /** Unicode category N (Nd, Nl, No), i.e. {@code \p{N}}. */
    static boolean isNumber(int c) {
        int type = Character.getType(c);
        return type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    private static boolean isOther(int c) {
        return !ClipTextCleaner.isWhiteSpace(c) && !Character.isLetter(c) && !isNumber(c);
    }

    /** The end of the contraction letters after an apostrophe at {@code from - 1}, or -1. */
    private static int contractionEnd(String text, int from) {
        for (String letters : CONTRACTIONS) {
            int end = matchIgnoringCase(text, from, letters);
            if (end > 0) {
                return end;
            }
        }
        return -1;
    }

    /**
     * The end of {@code lowercase} in {@code text} at {@code from}, or -1; compares as the regex module's
     * case-insensitive match on already lowercased text: only {@code ſ} stands for {@code s}.
     */
    private static int matchIgnoringCase(String text, int from, String lowercase) {
        if (from + lowercase.length() > text.length()) {
            return -1;
        }
        for (int k = 0; k < lowercase.length(); k++) {
            char expected = lowercase.charAt(k);
            char actual = text.charAt(from + k);
            if (actual != expected
                    && !(expected == 's' && actual == 'ſ')
                    && Character.toLowerCase(actual) != expected) {
                return -1;
            }
        }
        return from + lowercase.length();
    }
}
