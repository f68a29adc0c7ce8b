package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.Emphasis;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Chunked encoding and emphasis on the built-in tiny model's tokenizer and text encoder. */
class PromptEncoderTest {
    static StableDiffusion sd;
    static Model model; // also set by A1111GenerationTest, which uses longPrompt

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
        sd = StableDiffusion.builtin();
        model = Internals.model(sd);
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static PromptEncoder encoder(PromptSyntax syntax) {
        return PromptEncoder.forModel(model, syntax);
    }

    /** A prompt of at least {@code tokens} tokens of the tiny vocabulary. */
    static String longPrompt(int tokens) {
        StringBuilder s = new StringBuilder();
        String[] words = {"red", "circle", "blue", "square", "green", "line", "on", "a", "white", "ground"};
        for (int i = 0; model.tokenizer().encode(s.toString()).length - 2 < tokens; i++) {
            s.append(words[i % words.length]).append(i % 7 == 6 ? ", " : " ");
        }
        return s.toString().trim();
    }

    @Test
    void aPromptWithoutSyntaxEncodesExactlyAsPlain() {
        String text = "a red circle on a white ground";
        try (PointerScope scope = new PointerScope()) {
            PromptEncoder encoder = encoder(PromptSyntax.A1111);
            List<PromptChunker.Chunk> chunks =
                    encoder.chunks(PromptSchedule.fragments(text)).chunks();
            assertThat(chunks).hasSize(1);
            assertThat(chunks.get(0).ids())
                    .containsExactly(model.tokenizer().encodePadded(text).ids());
            Tensor a1111 = encoder.encode(chunks, 1);
            Tensor plain = model.textEncoder()
                    .encode(new int[][] {model.tokenizer().encodePadded(text).ids()}, 1);
            assertThat(Tensors.toFloats(a1111)).containsExactly(Tensors.toFloats(plain));
        }
    }

    @Test
    void fragmentsAreTokenizedOneByOne() {
        PromptEncoder encoder = encoder(PromptSyntax.A1111);
        List<TokenGroup> groups = encoder.tokenize(PromptSchedule.fragments("red (circle:1.5)"));
        int[] red = model.tokenizer().encode("red");
        int[] circle = model.tokenizer().encode("circle");
        assertThat(groups).hasSize(red.length - 2 + circle.length - 2);
        assertThat(groups.get(0).ids()).containsExactly(red[1]);
        assertThat(groups.get(0).weight()).isEqualTo(1.0);
        assertThat(groups.get(groups.size() - 1).weight()).isEqualTo(1.5);
    }

    @Test
    void longPromptsBecomeChunksJoinedAlongTheSequence() {
        String text = longPrompt(200);
        try (PointerScope scope = new PointerScope()) {
            PromptEncoder encoder = encoder(PromptSyntax.A1111);
            List<PromptChunker.Chunk> chunks =
                    encoder.chunks(PromptSchedule.fragments(text)).chunks();
            assertThat(chunks).hasSizeBetween(3, 4);
            Tensor z = encoder.encode(chunks, 1);
            assertThat(Tensors.shape(z))
                    .containsExactly(1, 77L * chunks.size(), model.textEncoder().hiddenSize());
            // the first chunk alone encodes to the first 77 positions
            Tensor first = encoder.encode(chunks.subList(0, 1), 1);
            assertThat(Tensors.toFloats(z.narrow(1, 0, 77))).containsExactly(Tensors.toFloats(first));
        }
    }

    @Test
    void tenThousandWordsAreChunkedWithoutTrouble() {
        String text = "red circle, ".repeat(5000);
        PromptEncoder encoder = encoder(PromptSyntax.A1111);
        List<PromptChunker.Chunk> chunks =
                encoder.chunks(PromptSchedule.fragments(text)).chunks();
        int tokens = model.tokenizer().encode(text).length - 2;
        assertThat(chunks.size()).isGreaterThanOrEqualTo(tokens / 75);
        assertThat(chunks).allSatisfy(c -> assertThat(c.ids()).hasSize(77));
    }

    @Test
    void weightsReachTheTokensTheyWereWrittenFor() {
        try (PointerScope scope = new PointerScope()) {
            String text = "a (red:1.5) circle";
            List<PromptChunker.Chunk> chunks = encoder(PromptSyntax.A1111)
                    .chunks(PromptSchedule.fragments(text))
                    .chunks();
            Tensor plain =
                    encoder(PromptSyntax.A1111.withEmphasis(Emphasis.IGNORE)).encode(chunks, 1);
            Tensor noNorm =
                    encoder(PromptSyntax.A1111.withEmphasis(Emphasis.NO_NORM)).encode(chunks, 1);
            int redAt = indexOfWeight(chunks.get(0).weights(), 1.5f);
            int hidden = model.textEncoder().hiddenSize();
            float[] p = Tensors.toFloats(plain);
            float[] n = Tensors.toFloats(noNorm);
            for (int h = 0; h < hidden; h++) {
                assertThat(n[redAt * hidden + h]).isCloseTo(1.5f * p[redAt * hidden + h], within(1e-5f));
                assertThat(n[h]).isEqualTo(p[h]); // start of text: weight 1
            }
        }
    }

    @Test
    void anEmbeddingMovesWholeToTheNextChunkWithItsWeight() {
        try (Model fresh = Model.loadBuiltin()) {
            LoadedEmbedding sixteen = fresh.loadTextualInversion(
                    Path.of("src", "test", "resources", "embeddings", "tiny_negative_fp16.safetensors"));
            PromptEncoder encoder = PromptEncoder.forModel(fresh, PromptSyntax.A1111);
            String before = "red ".repeat(70); // 70 tokens: the 16 vectors do not fit in the first chunk
            assertThat(fresh.tokenizer().encode(before).length - 2).isEqualTo(70);
            List<PromptChunker.Chunk> chunks = encoder.chunks(
                            PromptSchedule.fragments(before + "(tiny_negative_fp16:1.3) red"))
                    .chunks();
            assertThat(chunks).hasSize(2);
            assertThat(chunks.get(0).ids()[71]).isEqualTo(fresh.tokenizer().eosId());
            assertThat(Arrays.copyOfRange(chunks.get(1).ids(), 1, 17)).containsExactly(sixteen.ids());
            assertThat(Arrays.copyOfRange(chunks.get(1).weights(), 1, 17)).containsOnly(1.3f);
            assertThat(chunks.get(1).weights()[17]).isEqualTo(1.0f);
            try (PointerScope scope = new PointerScope()) {
                assertThat(Tensors.shape(encoder.encode(chunks, 1))).containsExactly(1, 154, 32);
            }
        }
    }

    private static int indexOfWeight(float[] weights, float w) {
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] == w) {
                return i;
            }
        }
        throw new AssertionError("no token of weight " + w);
    }
}
