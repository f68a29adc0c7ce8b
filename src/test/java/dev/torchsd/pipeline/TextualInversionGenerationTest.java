package dev.torchsd.pipeline;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.Internals;
import dev.torchsd.embedding.TextualInversionReader;
import dev.torchsd.generation.Guidance;
import dev.torchsd.generation.Pipeline;
import dev.torchsd.model.Model;
import dev.torchsd.model.UNetInput;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Generating with an embedding's token gives exactly the image of feeding its vectors into the text
 * encoder by hand, on a model that never loaded the embedding.
 */
class TextualInversionGenerationTest {
    private static final Path DIR = Path.of("src", "test", "resources", "embeddings");
    private static final Path STYLE = DIR.resolve("tiny-style.pt"); // 4 vectors, A1111 .pt
    private static final Path NEGATIVE = DIR.resolve("tiny_negative_fp16.safetensors"); // 16 vectors, emb_params

    private static final GenerationRequest REQUEST = GenerationRequest.of("a photo of tiny-style")
            .withNegativePrompt("tiny_negative_fp16, ugly")
            .withSeed(7)
            .withSteps(4);

    @Test
    void sameImageAsHandFedVectors() {
        List<BufferedImage> withToken;
        try (Model model = Model.loadBuiltin()) {
            model.loadTextualInversion(STYLE);
            model.loadTextualInversion(NEGATIVE);
            withToken = new Pipeline(model)
                    .generate(REQUEST, GenerationListener.NONE)
                    .images();
        }
        try (Model plain = Model.loadBuiltin()) {
            Tensor context = handFedContext(plain);
            // the same request on a model without the embeddings, every U-Net prediction replaced by one made from
            // the hand-fed conditioning
            GenerationListener byHand = GenerationListener.onEachPrediction(p -> {
                Tensor input = torch.cat(new TensorVector(p.modelInput(), p.modelInput()), 0);
                TensorVector halves = Guidance.split(plain.unet().predict(UNetInput.of(input, p.timestep(), context)));
                return Guidance.guide(halves.get(0), halves.get(1), p.guidanceScale());
            });
            List<BufferedImage> handFed = new Pipeline(plain)
                    .generate(REQUEST.withPrompt("").withNegativePrompt(""), byHand)
                    .images();
            assertEquals(0, maxPixelDifference(withToken.get(0), handFed.get(0)));

            List<BufferedImage> withoutEmbeddings = new Pipeline(plain)
                    .generate(REQUEST.withPrompt("a photo of").withNegativePrompt(", ugly"), GenerationListener.NONE)
                    .images();
            assertTrue(
                    maxPixelDifference(withToken.get(0), withoutEmbeddings.get(0)) > 0,
                    "the embeddings must change the image, or this test shows nothing");
            context.close();
        }
    }

    @Test
    void conditioningEqualsHandFedVectorsExactly() {
        float[] pipeline;
        try (Model model = Model.loadBuiltin()) {
            model.loadTextualInversion(STYLE);
            model.loadTextualInversion(NEGATIVE);
            try (Tensor c = Internals.encodePrompts(model, Internals.resolve(REQUEST, model.manifest()))) {
                pipeline = Tensors.toFloats(c);
            }
        }
        try (Model plain = Model.loadBuiltin();
                Tensor context = handFedContext(plain)) {
            assertArrayEquals(Tensors.toFloats(context), pipeline);
        }
    }

    /**
     * {@code [negative; positive]} text-encoder outputs, built without loading anything: the base
     * table's rows for the ordinary words, the files' vectors where the tokens stand.
     */
    private static Tensor handFedContext(Model plain) {
        float[][] style = TextualInversionReader.read(STYLE).vectorsFor(32);
        float[][] negative = TextualInversionReader.read(NEGATIVE).vectorsFor(32);
        float[] negativeRows = inputRows(plain, "", negative, ", ugly");
        float[] positiveRows = inputRows(plain, "a photo of", style, "");
        // one encoder call per prompt, as the pipeline makes them (a batch of two may round differently)
        try (Tensor negativeInput = Tensors.fromFloats(negativeRows, 1, 77, 32);
                Tensor positiveInput = Tensors.fromFloats(positiveRows, 1, 77, 32);
                Tensor negativeOut = plain.textEncoder().encodeEmbeddings(negativeInput, 1);
                Tensor positiveOut = plain.textEncoder().encodeEmbeddings(positiveInput, 1)) {
            return torch.cat(new TensorVector(negativeOut, positiveOut), 0);
        }
    }

    /** 77 input rows: BOS, the words before, the vectors, the words after, EOS, padding. */
    private static float[] inputRows(Model plain, String before, float[][] vectors, String after) {
        ClipTokenizer tokenizer = plain.tokenizer();
        int[] head = tokenizer.encode(before);
        int[] tail = tokenizer.encode(after);
        List<float[]> rows = new ArrayList<>();
        for (int i = 0; i < head.length - 1; i++) { // BOS and the words, not EOS
            rows.add(row(plain, head[i]));
        }
        rows.addAll(Arrays.asList(vectors));
        for (int i = 1; i < tail.length; i++) { // the words and EOS, not BOS
            rows.add(row(plain, tail[i]));
        }
        while (rows.size() < 77) {
            rows.add(row(plain, tokenizer.padId()));
        }
        float[] flat = new float[77 * 32];
        for (int i = 0; i < 77; i++) {
            System.arraycopy(rows.get(i), 0, flat, i * 32, 32);
        }
        return flat;
    }

    private static float[] row(Model model, int id) {
        try (Tensor row = model.textEncoder().tokenTable().select(0, id)) {
            return Tensors.toFloats(row);
        }
    }
}
