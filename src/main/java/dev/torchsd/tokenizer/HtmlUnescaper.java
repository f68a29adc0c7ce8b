package dev.torchsd.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes HTML character references exactly as Python's {@code html.unescape} does, because CLIP's
 * reference cleaning runs it (twice) and a prompt such as {@code "fish &amp; chips"} must give the same
 * ids as in Python.
 *
 * <p>The rules are those of the HTML5 standard as Python implements them: a named reference may omit the
 * {@code ;} for the legacy names (so {@code &ampx} reads as {@code &x} and {@code &notit;} as
 * {@code ¬it;}, the longest known prefix winning); a numeric reference may omit the {@code ;}; numbers
 * 0x80..0x9F map to Windows-1252 characters, surrogates and values beyond U+10FFFF give U+FFFD, and a few
 * code points (most C0/C1 controls, non-characters) give nothing. The tables come from Python's standard
 * library through {@code scripts/tokenizer/make_html_entities.py} into {@code html5_entities.txt}.
 */
@SuppressWarnings("EscapedEntity") // the docs quote HTML character references: they are meant literally
final class HtmlUnescaper {
    private static final int MAX_NAME_CODE_POINTS = 32;
    private static final Tables TABLES = Tables.load();

    private HtmlUnescaper() {}

    /** {@code text} with every character reference replaced; the same instance when it has no {@code &}. */
    static String unescape(String text) {
        int amp = text.indexOf('&');
        if (amp < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        while (amp >= 0) {
            int end = amp + 1 < text.length() && text.charAt(amp + 1) == '#'
                    ? numericReference(text, amp, out, copied)
                    : namedReference(text, amp, out, copied);
            if (end < 0) {
                amp = text.indexOf('&', amp + 1);
            } else {
                copied = end;
                amp = text.indexOf('&', end);
            }
        }
        out.append(text, copied, text.length());
        return out.toString();
    }

    /**
     * Handles {@code &#digits;?} or {@code &#xhex;?} starting at {@code amp}: appends the text before it
     * and its replacement to {@code out} and returns the index after it, or -1 when it is not a reference.
     */
    private static int numericReference(String text, int amp, StringBuilder out, int copied) {
        int i = amp + 2;
        int radix = 10;
        if (i < text.length()
                && (text.charAt(i) == 'x' || text.charAt(i) == 'X')
                && i + 1 < text.length()
                && isAsciiHex(text.charAt(i + 1))) {
            radix = 16;
            i++;
        }
        int start = i;
        long value = 0;
        while (i < text.length() && (radix == 16 ? isAsciiHex(text.charAt(i)) : isAsciiDigit(text.charAt(i)))) {
            value = Math.min(value * radix + Character.digit(text.charAt(i), radix), 0x110000L);
            i++;
        }
        if (i == start) {
            return -1;
        }
        if (i < text.length() && text.charAt(i) == ';') {
            i++;
        }
        out.append(text, copied, amp);
        int number = (int) value;
        String remapped = TABLES.remappedNumbers.get(number);
        if (remapped != null) {
            out.append(remapped);
        } else if ((number >= 0xD800 && number <= 0xDFFF) || number > 0x10FFFF) {
            out.append('\uFFFD');
        } else if (!TABLES.droppedCodePoints.get(number)) {
            out.appendCodePoint(number);
        }
        return i;
    }

    /**
     * Handles {@code &name;?} starting at {@code amp} where name is 1..32 code points other than tab, LF,
     * FF, space, {@code <&#;}. Returns the index after the consumed text, or -1 when there is no name.
     */
    private static int namedReference(String text, int amp, StringBuilder out, int copied) {
        int i = amp + 1;
        int codePoints = 0;
        while (i < text.length() && codePoints < MAX_NAME_CODE_POINTS && isNameCodePoint(text.codePointAt(i))) {
            i += Character.charCount(text.codePointAt(i));
            codePoints++;
        }
        if (codePoints == 0) {
            return -1;
        }
        if (i < text.length() && text.charAt(i) == ';') {
            i++;
        }
        String reference = text.substring(amp + 1, i);
        out.append(text, copied, amp);
        String whole = TABLES.names.get(reference);
        if (whole != null) {
            out.append(whole);
            return i;
        }
        // Longest known prefix of at least two code points, the rest kept as text (HTML5's legacy names).
        int prefixEnd = reference.offsetByCodePoints(reference.length(), -1);
        while (reference.codePointCount(0, prefixEnd) >= 2) {
            String prefix = TABLES.names.get(reference.substring(0, prefixEnd));
            if (prefix != null) {
                out.append(prefix).append(reference, prefixEnd, reference.length());
                return i;
            }
            prefixEnd = reference.offsetByCodePoints(prefixEnd, -1);
        }
        out.append('&').append(reference);
        return i;
    }

    private static boolean isNameCodePoint(int c) {
        return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiHex(char c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** The three tables of {@code html5_entities.txt}. */
    private record Tables(Map<String, String> names, Map<Integer, String> remappedNumbers, BitSet droppedCodePoints) {
        static Tables load() {
            Map<String, String> names = new HashMap<>(4096);
            Map<Integer, String> remapped = new HashMap<>();
            BitSet dropped = new BitSet();
            try (InputStream in = HtmlUnescaper.class.getResourceAsStream("html5_entities.txt")) {
                if (in == null) {
                    throw new IllegalStateException("resource dev/torchsd/tokenizer/html5_entities.txt is missing");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    String[] fields = line.split(" ", -1);
                    switch (fields[0]) {
                        case "N" -> names.put(fields[1], codePoints(fields[2]));
                        case "R" -> remapped.put(Integer.parseInt(fields[1]), codePoints(fields[2]));
                        case "X" -> dropped.set(Integer.parseInt(fields[1]));
                        default -> throw new IllegalStateException("html5_entities.txt: unknown line " + line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Tables(Map.copyOf(names), Map.copyOf(remapped), dropped);
        }

        private static String codePoints(String hexList) {
            StringBuilder text = new StringBuilder();
            if (!hexList.isEmpty()) {
                for (String hex : hexList.split("\\+")) {
                    text.appendCodePoint(Integer.parseInt(hex, 16));
                }
            }
            return text.toString();
        }
    }
}
