package dev.torchsd.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written split against CLIP's pattern run by java.util.regex, on chosen and random texts. */
class ClipPreTokenizerTest {
    /** CLIP's pattern; {@code ſ} spelled out because Java's case-insensitive mode differs from Python's. */
    private static final Pattern CLIP_PATTERN = Pattern.compile(
            "<\\|[sſ]tartoftext\\|>|<\\|endoftext\\|>|'[sſ]|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final String[] POOL = {
        "a",
        "z",
        "é",
        "ſ",
        "'",
        "s",
        "ll",
        "re",
        " ",
        "\t",
        "\u00a0",
        "\u3000",
        "\u2028",
        "\u0085",
        "\u001c",
        "1",
        "²",
        "Ⅻ",
        "٣",
        "!",
        "<",
        "|",
        ">",
        "<|endoftext|>",
        "<|startoftext|>",
        "<|ſtartoftext|>",
        "ป",
        "ี",
        "\u0301",
        "😊",
        "𝐀",
        "𝟙",
        "寿",
        "-",
        "_",
        ".",
        "\uFFFD",
        "ʰ",
        "ǅ"
    };

    private static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        ClipPreTokenizer.split(text, words);
        return words;
    }

    private static List<String> regexSplit(String text) {
        List<String> words = new ArrayList<>();
        Matcher matcher = CLIP_PATTERN.matcher(text);
        while (matcher.find()) {
            words.add(matcher.group());
        }
        return words;
    }

    @Test
    void chosenCases() {
        assertEquals(List.of("2", "0", "2", "5"), split("2025"));
        assertEquals(List.of("it", "'s", "they", "'re", "'ſ", "sa"), split("it's they're 'ſsa"));
        assertEquals(List.of("!'", "s"), split("!'s"));
        assertEquals(List.of("ป", "ี"), split("ปี"));
        assertEquals(List.of("<", "s", ">", "hi", "<", "s", ">", "there"), split("<s> hi<s>there"));
        assertEquals(
                List.of("hi", "<|endoftext|>", "there", "!<|", "endoftext", "|>"),
                split("hi<|endoftext|>there !<|endoftext|>"));
        assertEquals(List.of("a", "b"), split("a\u00a0\u3000b"));
        assertEquals(List.of("a", "\u001c", "b"), split("a\u001cb"), "U+001C is not White_Space");
        assertEquals(List.of(), split(" \t\n "));
    }

    @Test
    void agreesWithTheRegexOnRandomText() {
        Random random = new Random(77);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(12); k >= 0; k--) {
                text.append(POOL[random.nextInt(POOL.length)]);
            }
            String s = text.toString();
            assertEquals(regexSplit(s), split(s), () -> ReferenceCasesTest.escape(s));
        }
    }

    @Test
    void whiteSpaceIsUnicodesProperty() {
        Pattern whiteSpace = Pattern.compile("\\p{IsWhite_Space}");
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            assertEquals(
                    whiteSpace.matcher(Character.toString(c)).matches(),
                    ClipTextCleaner.isWhiteSpace(c),
                    "U+" + Integer.toHexString(c));
        }
    }
}
