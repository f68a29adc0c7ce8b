package dev.torchsd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.embedding.EmbeddingException;
import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.embedding.TextualInversionReader;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code Model.loadTextualInversion} on the built-in model (vocabulary size from its manifest). */
class TextualInversionLoadingTest {
    private static final Path DIR = Path.of("src", "test", "resources", "embeddings");

    @Test
    void aSixteenVectorEmbeddingGrowsVocabularyAndTableBySixteen() {
        try (Model model = Model.loadBuiltin()) {
            int before = model.vocabularySize();
            LoadedEmbedding loaded = model.loadTextualInversion(DIR.resolve("tiny_negative_fp16.safetensors"));

            assertEquals(before + 16, model.vocabularySize());
            assertEquals(before + 16, model.textEncoder().tokenCount());
            assertEquals("tiny_negative_fp16", loaded.token());
            assertEquals("tiny_negative_fp16_15", loaded.tokens().get(15));
            assertArrayEquals(IntStream.range(before, before + 16).toArray(), loaded.ids());
            // the new rows are the file's vectors, exactly
            float[][] vectors = TextualInversionReader.read(DIR.resolve("tiny_negative_fp16.safetensors"))
                    .vectorsFor(32);
            for (int i = 0; i < 16; i++) {
                assertArrayEquals(vectors[i], tableRow(model, before + i), "row " + (before + i));
            }
            assertEquals(List.of(loaded), model.textualInversions());
        }
    }

    @Test
    void diffusersTestExpectations() {
        // tests/pipelines/test_pipelines.py::test_text_inversion_download on a tiny pipeline with D = 32
        try (Model model = Model.loadBuiltin()) {
            int n = model.vocabularySize();
            ClipTokenizer tokenizer = model.tokenizer();
            int bos = tokenizer.bosId();
            int eos = tokenizer.eosId();

            LoadedEmbedding one = model.loadTextualInversion(DIR.resolve("diffusers_one_vector.bin"));
            assertArrayEquals(new int[] {n}, one.ids());
            assertEquals(32.0, sum(tableRow(model, n)));
            assertArrayEquals(new int[] {bos, n, eos}, unpadded(model, "<*>"));

            model.loadTextualInversion(DIR.resolve("learned_embeds_1d.bin")); // <sks>: n + 1
            LoadedEmbedding three = model.loadTextualInversion(DIR.resolve("diffusers_three_vectors.bin"));
            assertArrayEquals(new int[] {n + 2, n + 3, n + 4}, three.ids());
            assertEquals(List.of("<***>", "<***>_1", "<***>_2"), three.tokens());
            assertEquals(
                    List.of(96.0, 128.0, 160.0),
                    List.of(sum(tableRow(model, n + 2)), sum(tableRow(model, n + 3)), sum(tableRow(model, n + 4))));
            // "<***>" → "<***> <***>_1 <***>_2"
            assertArrayEquals(tokenizer.encode("<***> <***>_1 <***>_2"), unpadded(model, "<***>"));
            assertArrayEquals(new int[] {bos, n + 2, n + 3, n + 4, eos}, unpadded(model, "<***>"));

            // the AUTOMATIC1111 dict {"string_to_param": {"*": 3x32}, "name": "<****>"}, under the token diffusers uses
            model.loadTextualInversion(DIR.resolve("a1111.bin"), "<****>");
            assertArrayEquals(tokenizer.encode("<****> <****>_1 <****>_2"), unpadded(model, "<****>"));

            // {"<cat>": ones(3, 32)}: "<cat> <cat>" → "<cat> <cat>_1 <cat>_2 <cat> <cat>_1 <cat>_2"
            model.loadTextualInversion(DIR.resolve("diffusers_cat.bin"));
            assertArrayEquals(
                    tokenizer.encode("<cat> <cat>_1 <cat>_2 <cat> <cat>_1 <cat>_2"), unpadded(model, "<cat> <cat>"));
            assertEquals(8, unpadded(model, "<cat> <cat>").length);
        }
    }

    @Test
    void diffusersErrorCases() {
        try (Model model = Model.loadBuiltin()) {
            model.loadTextualInversion(DIR.resolve("diffusers_one_vector.bin"));
            // the token is already there
            assertMessage(
                    assertThrows(
                            EmbeddingException.class,
                            () -> model.loadTextualInversion(DIR.resolve("diffusers_one_vector.bin"))),
                    "token \"<*>\" is taken by the embedding loaded earlier from");
            // f"{token}_1" is already there
            model.loadTextualInversion(DIR.resolve("learned_embeds_1d.bin"), "<cat>_1");
            assertMessage(
                    assertThrows(
                            EmbeddingException.class,
                            () -> model.loadTextualInversion(DIR.resolve("diffusers_cat.bin"))),
                    "token \"<cat>_1\" is taken");
            // the embedding's width differs from the text encoder's hidden size
            assertMessage(
                    assertThrows(
                            EmbeddingException.class, () -> model.loadTextualInversion(DIR.resolve("sd1-style.pt"))),
                    "vectors are 768 wide, but the model's text encoder expects 32");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "truncated.safetensors",
                "lying_header_length.safetensors",
                "lying_offsets.safetensors",
                "os_system.pt",
                "builtins_eval.pt",
                "lying_storage.pt",
                "truncated.pt",
                "empty.safetensors",
                "empty.pt",
                "sdxl_pair.safetensors",
                "sd1_negative_16x768.safetensors",
                "int64_storage.pt",
                "random.bin"
            })
    void aRefusedFileLeavesTheModelUnchanged(String name) {
        try (Model model = Model.loadBuiltin()) {
            model.loadTextualInversion(DIR.resolve("diffusers_three_vectors.bin"));
            Snapshot before = Snapshot.of(model);
            assertThrows(EmbeddingException.class, () -> model.loadTextualInversion(DIR.resolve(name), "<fresh>"));
            assertEquals(before, Snapshot.of(model));
        }
    }

    @Test
    void aRefusedTokenLeavesTheModelUnchanged() {
        try (Model model = Model.loadBuiltin()) {
            model.loadTextualInversion(DIR.resolve("diffusers_three_vectors.bin"));
            Snapshot before = Snapshot.of(model);
            String inVocabulary = model.tokenizer().idsToTokens(new int[] {300}).get(0);
            Path cat = DIR.resolve("diffusers_cat.bin");
            assertMessage(
                    assertThrows(EmbeddingException.class, () -> model.loadTextualInversion(cat, inVocabulary)),
                    "token \"" + inVocabulary + "\" is already in the vocabulary (id 300)");
            assertMessage(
                    assertThrows(EmbeddingException.class, () -> model.loadTextualInversion(cat, "<***>_2")),
                    "is taken by the embedding loaded earlier");
            assertMessage(
                    assertThrows(EmbeddingException.class, () -> model.loadTextualInversion(cat, "two words")),
                    "contains whitespace");
            assertMessage(
                    assertThrows(EmbeddingException.class, () -> model.loadTextualInversion(cat, "")),
                    "the token is empty");
            assertEquals(before, Snapshot.of(model));
        }
    }

    @Test
    void nanValuesLoadWithAWarning() {
        try (Model model = Model.loadBuiltin()) {
            LoadedEmbedding loaded = model.loadTextualInversion(DIR.resolve("nan_values.safetensors"));
            assertEquals(1, loaded.warnings().size());
            assertTrue(
                    loaded.warnings().get(0).contains("2 NaN values"),
                    loaded.warnings().get(0));
        }
    }

    @Test
    void negativePromptEmbeddingsChangeOnlyAtTheExpandedPositions() {
        try (Model model = Model.loadBuiltin()) {
            int[] without = model.encodePrompt("ugly, blurry").ids();
            float[][] vectors = TextualInversionReader.read(DIR.resolve("tiny_negative_fp16.safetensors"))
                    .vectorsFor(32);
            model.loadTextualInversion(DIR.resolve("tiny_negative_fp16.safetensors"));
            int[] with = model.encodePrompt("ugly, tiny_negative_fp16 blurry").ids();
            float[][] rowsWithout = embed(model, without);
            float[][] rowsWith = embed(model, with);
            int at = model.tokenizer().encode("ugly,").length - 1; // BOS and the ids of "ugly,"
            for (int p = 0; p < 77; p++) {
                if (p < at) {
                    assertArrayEquals(rowsWithout[p], rowsWith[p], "position " + p + " before the embedding");
                } else if (p < at + 16) {
                    assertArrayEquals(vectors[p - at], rowsWith[p], "position " + p + " holds vector " + (p - at));
                } else {
                    assertArrayEquals(rowsWithout[p - 16], rowsWith[p], "position " + p + " after the embedding");
                }
            }
        }
    }

    @Test
    void aPromptEncodedDuringALoadSeesTheEmbeddingWhollyOrNotAtAll() throws Exception {
        try (Model model = Model.loadBuiltin()) {
            List<String> files = List.of(
                    "tiny_negative_fp16.safetensors",
                    "tiny_negative_bf16.safetensors",
                    "tiny_negative_fp32.safetensors",
                    "tiny-style.pt",
                    "a1111_parameterdict_fp16.pt");
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger checked = new java.util.concurrent.atomic.AtomicInteger();
            Thread encoder = new Thread(() -> {
                while (!done.get() || checked.get() == 0) {
                    int[] ids = model.encodePrompt("x tiny_negative_fp16 y tiny_negative_bf16 tiny-style z")
                            .ids();
                    try (Tensor rows = model.textEncoder().embed(new int[][] {ids})) { // every id has a row
                        assertEquals(77, rows.size(1));
                    }
                    for (LoadedEmbedding loaded : model.textualInversions()) {
                        int[] all = loaded.ids();
                        for (int p = 0; p < ids.length; p++) {
                            if (ids[p] == all[0]) {
                                for (int k = 1; k < all.length && p + k < 76; k++) {
                                    assertEquals(all[k], ids[p + k], loaded.token() + " expanded at " + p);
                                }
                            }
                        }
                    }
                    checked.incrementAndGet();
                }
            });
            java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            encoder.setUncaughtExceptionHandler((t, e) -> failure.set(e));
            encoder.start();
            for (String file : files) {
                model.loadTextualInversion(DIR.resolve(file));
            }
            done.set(true);
            encoder.join();
            if (failure.get() != null) {
                throw new AssertionError("encoding during loads failed", failure.get());
            }
            assertEquals(model.manifest().textEncoder().vocabSize() + 16 * 3 + 4 + 2, model.vocabularySize());
        }
    }

    private static float[][] embed(Model model, int[] ids) {
        try (Tensor t = model.textEncoder().embed(new int[][] {ids})) {
            float[] flat = Tensors.toFloats(t);
            float[][] rows = new float[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * 32, (i + 1) * 32);
            }
            return rows;
        }
    }

    /** What a failed load must not change: sizes, every table value, the loaded list, a prompt's ids. */
    private record Snapshot(int vocabulary, long rows, List<Float> table, int loaded, List<Integer> promptIds) {
        static Snapshot of(Model model) {
            float[] table = Tensors.toFloats(model.textEncoder().tokenTable());
            List<Float> values = new java.util.ArrayList<>(table.length);
            for (float v : table) {
                values.add(v);
            }
            List<Integer> ids = Arrays.stream(
                            model.encodePrompt("a <***> <fresh> <fresh>_1 cat").ids())
                    .boxed()
                    .toList();
            return new Snapshot(
                    model.vocabularySize(),
                    model.textEncoder().tokenCount(),
                    values,
                    model.textualInversions().size(),
                    ids);
        }
    }

    private static int[] unpadded(Model model, String text) {
        return trim(model, model.encodePrompt(text).ids());
    }

    private static int[] trim(Model model, int[] padded) {
        int eos = model.tokenizer().eosId();
        for (int i = 1; i < padded.length; i++) {
            if (padded[i] == eos) {
                return Arrays.copyOf(padded, i + 1);
            }
        }
        return padded;
    }

    static float[] tableRow(Model model, int id) {
        try (Tensor row = model.textEncoder().tokenTable().select(0, id)) {
            return Tensors.toFloats(row);
        }
    }

    private static double sum(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum;
    }

    private static void assertMessage(Exception e, String expected) {
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }
}
