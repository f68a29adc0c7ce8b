package dev.torchsd.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real 49,408-token CLIP vocabulary from {@code ../shared/clip} against the cases of
 * {@code ../shared/tokenizer/clip_cases.json} (OpenAI's reference tokenizer) and
 * {@code ../shared/reference/clip_tokenizer_tests.md} (Hugging Face's, a C reimplementation's, a Go test's,
 * Bumblebee's and an ONNX export's). Skipped when ../shared is absent.
 */
class RealVocabularyTest {
    private static final int BOS = 49406;
    private static final int EOS = 49407;
    /** clip_tokenizer_tests.md 1a: transformers' integration string. */
    private static final String INTEGRATION_TEXT = "This is a test 😊\nI was born in 92000, and this is falsé.\n"
            + "生活的真谛是\nHi  Hello\nHi   Hello\n\n \n  \n Hello\n<s>\nhi<s>there\n"
            + "The following string should be properly encoded: Hello.\nBut ird and ปี   ird   ด\nHey how are you doing";

    private static final int[] INTEGRATION_IDS = {
        589, 533, 320, 1628, 3020, 328, 739, 2683, 530, 280, 273, 271, 271, 271, 267, 537, 589, 533, 2778, 82, 4166,
        269, 33375, 162, 112, 119, 163, 248, 226, 41570, 164, 108, 249, 42891, 363, 1883, 3306, 1883, 3306, 3306, 283,
        338, 285, 1883, 283, 338, 285, 997, 518, 3473, 9696, 1535, 655, 12560, 524, 33703, 281, 3306, 269, 767, 2770,
        537, 1777, 505, 20278, 2770, 38825, 2189, 829, 631, 592, 1960
    };

    private static ClipTokenizer folder;
    private static ClipTokenizer gz;

    record Case(String prompt, int[] ids) {}

    /** Loads both forms once; each test that needs them is skipped, with the reason, without ../shared. */
    @BeforeEach
    void load() {
        Path clip = SharedData.require("clip");
        if (folder == null) {
            folder = ClipTokenizer.fromFolder(clip, EOS);
            gz = ClipTokenizer.fromOpenAiBpe(SharedData.require("clip/bpe_simple_vocab_16e6.txt.gz"), EOS);
        }
    }

    @Test
    void bothFormsHaveClipsLayout() {
        for (ClipTokenizer tokenizer : List.of(folder, gz)) {
            assertEquals(49408, tokenizer.vocabularySize());
            assertEquals(BOS, tokenizer.bosId());
            assertEquals(EOS, tokenizer.eosId());
            assertEquals(List.of("!", "!</w>", "<|startoftext|>"), tokenizer.idsToTokens(new int[] {0, 256, 49406}));
        }
        // Every id has the same token in both forms.
        int[] all = IntStream.range(0, 49408).toArray();
        assertEquals(folder.idsToTokens(all), gz.idsToTokens(all));
    }

    @Test
    void clipCasesJson() throws IOException {
        String json = Files.readString(SharedData.require("tokenizer/clip_cases.json"), StandardCharsets.UTF_8);
        List<Case> cases = new Gson().fromJson(json, new TypeToken<List<Case>>() {}.getType());
        assertEquals(17, cases.size());
        for (Case c : cases) {
            assertArrayEquals(c.ids(), folder.encode(c.prompt()), c.prompt());
            assertArrayEquals(c.ids(), gz.encode(c.prompt()), c.prompt());
        }
    }

    @Test
    void transformersIntegrationString() {
        assertArrayEquals(INTEGRATION_IDS, inner(folder.encode(INTEGRATION_TEXT)));
        assertEquals(
                List.of("this</w>", "is</w>", "a</w>", "test</w>", "ðŁĺĬ</w>"),
                folder.idsToTokens(Arrays.copyOf(INTEGRATION_IDS, 5)));
        assertEquals(List.of("fal", "s", "Ã©</w>"), folder.idsToTokens(Arrays.copyOfRange(INTEGRATION_IDS, 18, 21)));
        // The earlier variant: the same text without " 😊", with BOS and EOS.
        int[] withoutEmoji = new int[INTEGRATION_IDS.length + 1];
        withoutEmoji[0] = BOS;
        System.arraycopy(INTEGRATION_IDS, 0, withoutEmoji, 1, 4);
        System.arraycopy(INTEGRATION_IDS, 5, withoutEmoji, 5, INTEGRATION_IDS.length - 5);
        withoutEmoji[withoutEmoji.length - 1] = EOS;
        assertArrayEquals(withoutEmoji, folder.encode(INTEGRATION_TEXT.replace(" 😊", "")));
    }

    @Test
    void decodeGivesTransformersDecodedText() {
        assertEquals(
                "this is a test 😊 i was born in 9 2 0 0 0 , and this is falsé . 生活的真谛是 hi hello hi hello "
                        + "hello < s > hi < s > there the following string should be properly encoded : hello . but ird "
                        + "and ป ี ird ด hey how are you doing",
                folder.decode(INTEGRATION_IDS));
    }

    @Test
    void mlimgsynthCases() {
        // Section 1b, ids without BOS/EOS. The two digit cases follow OpenAI's one-digit-a-word split
        // (the section explains why mlimgsynth's own 17,15,17,276 is not the reference).
        assertInner("a dog jumping", 320, 1929, 11476);
        assertInner("   a   dog\t\tjumping\r\n", 320, 1929, 11476);
        assertInner("an illustration", 550, 6052);
        assertInner("a sign saying \"Here lies Cesar\"", 320, 2292, 4455, 257, 763, 3205, 28603, 257);
        assertInner("a sign saying 'Here lies Cesar'", 320, 2292, 4455, 262, 763, 3205, 28603, 262);
        assertInner("2025", 273, 271, 273, 276);
        assertInner("A'veA'llA's", 320, 1200, 320, 1342, 320, 568);
        assertInner("");
        assertInner("  \t  \n");
        assertInner("a dog, a house.", 320, 1929, 267, 320, 1212, 269);
        assertInner("corazón", 851, 854, 13926);
        assertInner("cat---dog-—-rabbit", 2368, 11079, 1929, 12, 6718, 268, 10274);
        assertInner(
                "まあ、お待ちなさい。",
                4813,
                122,
                4813,
                480,
                45262,
                4813,
                232,
                161,
                122,
                227,
                4813,
                94,
                29104,
                4813,
                243,
                38850,
                38000);
        assertInner(
                "Stable Diffusion is a deep learning, text-to-image model released in 2022 based on diffusion "
                        + "techniques.",
                10492,
                18656,
                9364,
                533,
                320,
                3383,
                2378,
                267,
                4160,
                268,
                531,
                268,
                2867,
                2863,
                3410,
                530,
                273,
                271,
                273,
                273,
                2812,
                525,
                18656,
                9364,
                1782,
                697,
                7715,
                269);
    }

    @Test
    void smallCasesFromOtherImplementations() {
        // Section 1c: a Go test, Bumblebee.
        assertArrayEquals(new int[] {BOS, 320, 1125, 539, 320, 2677, EOS}, folder.encode("a photo of a tree"));
        assertArrayEquals(new int[] {BOS, 320, 1125, 539, 320, 2677, 256, EOS}, folder.encode("A Photo of a TREE!"));
        assertArrayEquals(
                new int[] {BOS, 585, 568, 320, 2368, 568, 5988, 267, 2761, 1953, EOS},
                folder.encode("it's a cat's toy, running   fast"));
        assertArrayEquals(new int[] {BOS, 273, 3255, 537, 274, 3989, EOS}, folder.encode("2 dogs and 3 cats"));
        assertArrayEquals(new int[] {BOS, EOS}, folder.encode(""));
        assertArrayEquals(new int[] {BOS, 3306, EOS}, folder.encode("hello"));
        assertArrayEquals(new int[] {BOS, 320, 1125, 539, 320, 2368, EOS}, folder.encode("a photo of a cat"));
        assertArrayEquals(new int[] {BOS, 320, 1125, 539, 320, 1929, EOS}, folder.encode("a photo of a dog"));
    }

    @Test
    void paddedLikeSdOnePipelines() {
        // Section 1c: an ONNX export's text_input_ids and uncond ids, 77 long, padded with <|endoftext|>.
        int[] expected = new int[77];
        Arrays.fill(expected, EOS);
        System.arraycopy(new int[] {BOS, 320, 2368, 6982, 525, 518, 2117, EOS}, 0, expected, 0, 8);
        Encoding cat = folder.encodePadded("a cat sleeping on the beach");
        assertArrayEquals(expected, cat.ids());
        assertEquals(0, cat.truncated());
        assertEquals("a cat sleeping on the beach", folder.decode(inner(Arrays.copyOf(cat.ids(), 8))));

        int[] uncond = new int[77];
        Arrays.fill(uncond, EOS);
        uncond[0] = BOS;
        assertArrayEquals(uncond, folder.encodePadded("").ids());
        // SD 2.x pads with "!" (id 0) after the end-of-text.
        ClipTokenizer sd2 = ClipTokenizer.fromFolder(SharedData.require("clip"), 0);
        int[] sd2Ids = sd2.encodePadded("hello").ids();
        assertArrayEquals(new int[] {BOS, 3306, EOS, 0, 0}, Arrays.copyOf(sd2Ids, 5));
        assertEquals(0, sd2Ids[76]);
    }

    @Test
    void aLongPromptIsTruncatedKeepingEndOfText() {
        String prompt = "the quick brown fox jumps over the lazy dog ".repeat(10); // 90 tokens
        int[] full = folder.encode(prompt);
        assertEquals(92, full.length);
        Encoding padded = folder.encodePadded(prompt);
        assertEquals(15, padded.truncated());
        assertArrayEquals(Arrays.copyOf(full, 76), Arrays.copyOf(padded.ids(), 76));
        assertEquals(EOS, padded.ids()[76]);
    }

    @Test
    void hundredThousandCharacterPrompts() {
        // Words: ~17,000 tokens, truncated to 75.
        Encoding words = folder.encodePadded(
                "a cat sleeping on the beach, ".repeat(3_600).substring(0, 100_000));
        assertEquals(77, words.ids().length);
        assertTrue(words.truncated() > 20_000, "truncated " + words.truncated());
        // One word of 100,000 CJK letters (300,000 bytes): no quadratic BPE, no exception.
        Encoding cjk = folder.encodePadded("猫".repeat(100_000));
        assertEquals(EOS, cjk.ids()[76]);
        assertTrue(cjk.truncated() > 10_000, "truncated " + cjk.truncated());
        // The first tokens of that word are the same as for a short one: 猫猫... merges pairwise from the left.
        int[] shortWord = folder.encode("猫".repeat(80));
        assertArrayEquals(Arrays.copyOf(shortWord, 10), Arrays.copyOf(cjk.ids(), 10));
    }

    @Test
    void addedTokensForTextualInversion() {
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(SharedData.require("clip"), EOS);
        assertArrayEquals(new int[] {49408, 49409}, tokenizer.addTokens(List.of("<cat-toy>", "<cat-toy>_1")));
        assertEquals(49410, tokenizer.vocabularySize());
        assertArrayEquals(
                new int[] {BOS, 320, 49408, 49409, 530, 518, 2117, EOS},
                tokenizer.encode("a <cat-toy> <cat-toy>_1 in the beach"));
        var existing = org.junit.jupiter.api.Assertions.assertThrows(
                TokenizerException.class, () -> tokenizer.addTokens(List.of("cat</w>")));
        assertTrue(existing.getMessage().contains("2368"), existing.getMessage());
    }

    private static void assertInner(String text, int... expected) {
        assertArrayEquals(expected, inner(folder.encode(text)), text);
    }

    private static int[] inner(int[] ids) {
        return Arrays.copyOfRange(ids, 1, ids.length - 1);
    }
}
