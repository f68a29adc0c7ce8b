package dev.torchsd.tokenizer;

import static dev.torchsd.tokenizer.TinyVocabulary.BOS;
import static dev.torchsd.tokenizer.TinyVocabulary.EOS;
import static dev.torchsd.tokenizer.TinyVocabulary.endSymbol;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Text that cannot be tokenized as it is: each case has one chosen, documented result, never an exception. */
class DefinedBehaviourTest {
    private final ClipTokenizer tokenizer = TinyVocabulary.tokenizer();

    @Test
    void controlCharactersAreRemovedLikeFtfy() {
        // NUL, BEL, VT, FS, DEL and the BOM vanish, so the letters around them form one word.
        assertArrayEquals(tokenizer.encode("cat"), tokenizer.encode("c\u0000a\u0007t\u000b\u001c\u007f\uFEFF"));
        // Tab, LF, FF, CR are whitespace.
        assertArrayEquals(tokenizer.encode("the cat"), tokenizer.encode("the\f\rcat"));
    }

    @Test
    void unpairedSurrogatesBecomeTheReplacementCharacter() {
        // U+FFFD is bytes EF BF BD: symbols ï (id 106 + 0xEF - 0xAE = 171), ¿ (123) and ½</w> (121 + 256), no merges.
        int[] replacement = {BOS, 171, 123, 377, EOS};
        assertArrayEquals(replacement, tokenizer.encode("\uD800"));
        assertArrayEquals(replacement, tokenizer.encode("\uDC00"));
        assertArrayEquals(replacement, tokenizer.encode("\uFFFD"));
        // A proper pair is kept: 😊 is F0 9F 98 8A, four symbols.
        assertEquals(6, tokenizer.encode("😊").length);
        assertArrayEquals(new int[] {BOS, 513, 171, 123, 377, 513, EOS}, tokenizer.encode("cat\uDBFFcat"));
    }

    @Test
    void ftfyFixesThatAreNotAppliedKeepTheirCharacters() {
        // Curly quotes stay: “ is E2 80 9C, ” is E2 80 9D. E2 is printable (â); 80, 9C and 9D are not and
        // are written U+0100 + their place among the non-printable bytes (0..32, then 127..): Ģ, ľ, Ŀ.
        List<String> curly = tokenizer.idsToTokens(tokenizer.encode("“cat”"));
        assertEquals(
                List.of("<|startoftext|>", "â", "Ģ", "ľ</w>", "cat</w>", "â", "Ģ", "Ŀ</w>", "<|endoftext|>"), curly);
        // Full-width letters stay full-width (lowercased): Ａ is EF BC A1 -> ï ¼ ¡ -> ａ is EF BD 81.
        assertEquals(
                List.of("<|startoftext|>", "ï", "½", "ģ</w>", "<|endoftext|>"),
                tokenizer.idsToTokens(tokenizer.encode("Ａ")));
        // The ideographic space is whitespace all the same.
        assertArrayEquals(tokenizer.encode("the cat"), tokenizer.encode("the\u3000cat"));
    }

    @Test
    void oneTokenizerServesManyThreads() throws Exception {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            prompts.add("the cat " + i + " café photo of a dog aaaa it's " + "a".repeat(i % 50));
        }
        List<int[]> expected = new ArrayList<>();
        ClipTokenizer single = TinyVocabulary.tokenizer();
        for (String prompt : prompts) {
            expected.add(single.encode(prompt));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<int[]>>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    List<int[]> ids = new ArrayList<>();
                    for (String prompt : prompts) {
                        ids.add(tokenizer.encode(prompt));
                    }
                    return ids;
                }));
            }
            for (Future<List<int[]>> result : results) {
                List<int[]> ids = result.get();
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(expected.get(i), ids.get(i), prompts.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(new int[] {BOS, endSymbol('1'), EOS}, tokenizer.encode("1"));
    }
}
