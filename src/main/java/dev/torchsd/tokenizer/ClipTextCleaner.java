package dev.torchsd.tokenizer;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Cleans prompt text the way CLIP's reference tokenizer does before splitting it into words.
 *
 * <p>OpenAI's {@code simple_tokenizer.py} runs {@code ftfy.fix_text}, then {@code html.unescape} twice,
 * collapses whitespace, strips and lowercases. Hugging Face's {@code CLIPTokenizer}, which diffusers
 * uses, does the same when the {@code ftfy} package is installed and otherwise (the usual diffusers
 * install) only normalises to NFC, collapses whitespace and lowercases. torchsd does, in this order:
 * <ol>
 * <li>the two ftfy fixes that decide what happens to text that cannot be tokenized as it is: an unpaired
 * surrogate becomes U+FFFD (it has no UTF-8 form; ftfy's {@code fix_surrogates}), and the control
 * characters of ftfy's {@code remove_control_chars} are removed (U+0000..U+0008, U+000B,
 * U+000E..U+001F, U+007F, U+206A..U+206F, U+FEFF, U+FFF9..U+FFFC; tab, LF, FF and CR stay and become
 * spaces). Hugging Face's fallback cleaning removes C0 controls too, so this keeps "a\u0000b" the same
 * word for both;</li>
 * <li>NFC normalisation (ftfy's last step, and the fast tokenizer's normaliser);</li>
 * <li>{@link HtmlUnescaper HTML unescape}, twice, as OpenAI's code does;</li>
 * <li>every run of Unicode White_Space becomes one space, and the ends are stripped;</li>
 * <li>lowercasing with Unicode's full mapping ({@code İ} becomes {@code i̇}, a final {@code Σ} becomes
 * {@code ς}), as Python's {@code str.lower}.</li>
 * </ol>
 *
 * <p><b>ftfy's other fixes are not applied</b>, so that torchsd gives the ids diffusers gives when ftfy
 * is not installed; on the text below, OpenAI's CLIP and a Hugging Face install with ftfy would give
 * different ids:
 * <ul>
 * <li>curly quotes: ftfy turns {@code “ ” ‘ ’} into {@code " '}; torchsd keeps them (so
 * {@code “cat”} is 3 tokens around the curly quote bytes, not {@code "cat"});</li>
 * <li>full-width and other width forms: ftfy turns {@code ＡＢＣ１} into {@code abc1} and the
 * ideographic space U+3000 into a space; torchsd keeps the letters (U+3000 is White_Space, so it still
 * becomes a space);</li>
 * <li>Latin ligatures ({@code ﬁ} → {@code fi}), mojibake ({@code cafÃ©} → {@code café}), C1 controls
 * read as Windows-1252 ({@code \u0080} → {@code €}) and ANSI terminal escapes (removed);</li>
 * <li>ftfy's own HTML unescape, which OpenAI's code runs before the two {@code html.unescape} calls when
 * the text has no {@code <}: {@code &amp;amp;amp;} is {@code &} there and {@code &amp;} here.</li>
 * </ul>
 *
 * <p>Unicode tables are those of the running JVM (Unicode 13 on Java 17); Python's may be newer, which
 * matters only for characters assigned since.
 */
@SuppressWarnings("EscapedEntity") // the docs quote HTML character references: they are meant literally
final class ClipTextCleaner {
    private ClipTextCleaner() {}

    /** The cleaned, lowercased text; empty when nothing but whitespace and controls remain. */
    static String clean(String text) {
        String repaired = repairSurrogatesAndControls(text);
        String normalized = isSurelyNfc(repaired) ? repaired : Normalizer.normalize(repaired, Normalizer.Form.NFC);
        String unescaped = HtmlUnescaper.unescape(HtmlUnescaper.unescape(normalized));
        return lowercase(collapseWhitespace(unescaped));
    }

    /** The control characters that ftfy's {@code remove_control_chars} removes. */
    static boolean isRemovedControl(int c) {
        return (c <= 0x08)
                || c == 0x0B
                || (c >= 0x0E && c <= 0x1F)
                || c == 0x7F
                || (c >= 0x206A && c <= 0x206F)
                || c == 0xFEFF
                || (c >= 0xFFF9 && c <= 0xFFFC);
    }

    /** Unicode's White_Space property, which CLIP's {@code \s} (Python {@code regex} module) matches. */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D)
                || c == 0x20
                || c == 0x85
                || c == 0xA0
                || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028
                || c == 0x2029
                || c == 0x202F
                || c == 0x205F
                || c == 0x3000;
    }

    /**
     * Python's {@code str.lower}: Java's full lowercase mapping, except for the capital sigma, where Java's
     * final-sigma test is looser than Unicode's (Java gives {@code ς} in {@code z½Σ}, Python {@code σ}).
     * A {@code Σ} becomes {@code ς} when a cased letter precedes it and none follows it, skipping
     * case-ignorable characters on both sides.
     */
    static String lowercase(String text) {
        int sigma = text.indexOf('\u03A3');
        if (sigma < 0) {
            return text.toLowerCase(Locale.ROOT);
        }
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        for (; sigma >= 0; sigma = text.indexOf('\u03A3', from)) {
            out.append(text.substring(from, sigma).toLowerCase(Locale.ROOT));
            out.append(isFinalSigma(text, sigma) ? '\u03C2' : '\u03C3');
            from = sigma + 1;
        }
        return out.append(text.substring(from).toLowerCase(Locale.ROOT)).toString();
    }

    private static boolean isFinalSigma(String text, int at) {
        int before = at;
        int c = -1;
        while (before > 0) {
            c = text.codePointBefore(before);
            before -= Character.charCount(c);
            if (!isCaseIgnorable(c)) {
                break;
            }
            c = -1;
        }
        if (c < 0 || !isCased(c)) {
            return false;
        }
        for (int after = at + 1; after < text.length(); after += Character.charCount(c)) {
            c = text.codePointAt(after);
            if (!isCaseIgnorable(c)) {
                return !isCased(c);
            }
        }
        return true;
    }

    /** Unicode's Cased property: lowercase, uppercase (both with their Other_ parts) or titlecase. */
    private static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    /** Unicode's Case_Ignorable: marks, format characters, modifiers, and the word-internal punctuation. */
    private static boolean isCaseIgnorable(int c) {
        switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK,
                    Character.FORMAT,
                    Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL -> {
                return true;
            }
            default -> {
                return switch (c) {
                    case 0x27,
                            0x2E,
                            0x3A,
                            0xB7,
                            0x387,
                            0x55F,
                            0x5F4,
                            0x2018,
                            0x2019,
                            0x2024,
                            0x2027,
                            0xFE13,
                            0xFE52,
                            0xFE55,
                            0xFF07,
                            0xFF0E,
                            0xFF1A -> true;
                    default -> false;
                };
            }
        }
    }

    private static String repairSurrogatesAndControls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            boolean lone = Character.isSurrogate(c) && !paired;
            boolean removed = isRemovedControl(c);
            if ((lone || removed) && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                if (lone) {
                    out.append('\uFFFD');
                } else if (!removed) {
                    out.append(c);
                    if (paired) {
                        out.append(text.charAt(i + 1));
                    }
                }
            }
            if (paired) {
                i++;
            }
        }
        return out == null ? text : out.toString();
    }

    /** Below U+0300 every character is its own NFC form, which spares the normaliser for most prompts. */
    private static boolean isSurelyNfc(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x300) {
                return false;
            }
        }
        return true;
    }

    private static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isWhiteSpace(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }
}
