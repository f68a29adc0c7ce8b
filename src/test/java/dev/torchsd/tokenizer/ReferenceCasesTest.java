package dev.torchsd.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks cleaning, splitting and ids against {@code reference_cases.json}, which the independent Python
 * reference ({@code scripts/tokenizer/clip_reference.py}, Python's own html.unescape, unicodedata and the
 * {@code regex} module) produced for hand-picked edge cases and 300 seeded random strings.
 */
class ReferenceCasesTest {
    record Case(String prompt, String clean, List<String> words, int[] ids) {}

    private static List<Case> cases;

    @BeforeAll
    static void readCases() throws IOException {
        try (Reader reader = new InputStreamReader(
                ReferenceCasesTest.class.getResourceAsStream("reference_cases.json"), StandardCharsets.UTF_8)) {
            cases = new Gson().fromJson(reader, new TypeToken<List<Case>>() {}.getType());
        }
    }

    @Test
    void cleaningMatchesPython() {
        for (Case c : cases) {
            assertEquals(c.clean(), ClipTextCleaner.clean(c.prompt()), () -> "prompt " + escape(c.prompt()));
        }
    }

    @Test
    void splittingMatchesTheRegexModule() {
        for (Case c : cases) {
            List<String> words = new ArrayList<>();
            ClipPreTokenizer.split(c.clean(), words);
            assertEquals(c.words(), words, () -> "clean text " + escape(c.clean()));
        }
    }

    @Test
    void idsMatchThePythonReferenceWithTheRealVocabulary() {
        ClipTokenizer tokenizer = SharedData.realTokenizer();
        for (Case c : cases) {
            assertArrayEquals(c.ids(), tokenizer.encode(c.prompt()), () -> "prompt " + escape(c.prompt()));
        }
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.chars()
                .forEach(ch ->
                        out.append(ch < 0x20 || ch > 0x7E ? String.format("\\u%04x", ch) : String.valueOf((char) ch)));
        return out.append('"').toString();
    }
}
