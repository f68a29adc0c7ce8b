package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.generation.Conditioning;
import dev.torchsd.generation.MemoryEstimate;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generations with AUTOMATIC1111's syntax on the built-in tiny model. */
class A1111GenerationTest {
    static StableDiffusion sd;
    static Model model;

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
        sd = StableDiffusion.builtin();
        model = Internals.model(sd);
        PromptEncoderTest.model = model;
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static GenerationRequest request(String prompt) {
        return GenerationRequest.of(prompt).withSeed(7).withSteps(6).withPromptSyntax(PromptSyntax.A1111);
    }

    private static Object pixels(GenerationRequest r) {
        BufferedImage image = sd.generate(r).image();
        var buffer = image.getRaster().getDataBuffer();
        return buffer instanceof DataBufferByte b ? b.getData() : ((DataBufferInt) buffer).getData();
    }

    @Test
    void aPromptWithoutSyntaxGivesThePlainImage() {
        GenerationRequest a1111 = request("a red circle").withNegativePrompt("blue square");
        GenerationRequest plain = a1111.withPromptSyntax(PromptSyntax.PLAIN);
        assertThat(pixels(a1111)).isEqualTo(pixels(plain));
    }

    @Test
    void aLongPromptChangesTheImageVersusItsFirst77Tokens() {
        String prompt = PromptEncoderTest.longPrompt(200);
        assertThat(model.tokenizer().encode(prompt).length - 2).isGreaterThanOrEqualTo(200);
        GenerationRequest whole = request(prompt);
        GenerationRequest truncated = whole.withPromptSyntax(PromptSyntax.PLAIN); // diffusers: first 77 ids
        assertThat(pixels(whole)).isNotEqualTo(pixels(truncated));
    }

    /** The conditioning of an AUTOMATIC1111-syntax request with guidance whose negative prompt is always active. */
    private static Conditioning conditioning(String prompt, String negative, int steps, int batch) {
        GenerationRequest r = Internals.resolve(
                request(prompt)
                        .withNegativePrompt(negative)
                        .withSteps(steps)
                        .withBatchSize(batch)
                        .withGuidanceScale(7.5),
                model.manifest());
        return Conditioning.encode(model, r, r.negativeWindow().resolve(steps), new java.util.ArrayList<>());
    }

    @Test
    void positiveAndNegativeOfDifferentLengthsArePaddedToTheSameChunks() {
        String longPrompt = PromptEncoderTest.longPrompt(160);
        try (PointerScope scope = new PointerScope()) {
            Conditioning c = conditioning(longPrompt, "blue", 10, 2);
            Tensor context = c.at(0, 10, true);
            assertThat(Tensors.shape(context))
                    .containsExactly(4, 77L * 3, model.textEncoder().hiddenSize());
            // the negative rows end with the empty prompt's chunk
            Tensor empty = PromptEncoder.forModel(model, PromptSyntax.A1111)
                    .encode(
                            java.util.List.of(PromptEncoder.forModel(model, PromptSyntax.A1111)
                                    .emptyChunk()),
                            1);
            assertThat(Tensors.toFloats(context.narrow(0, 0, 1).narrow(1, 154, 77)))
                    .containsExactly(Tensors.toFloats(empty));
        }
        assertThat(pixels(request(longPrompt).withNegativePrompt("blue"))).isNotNull();
        assertThat(pixels(request("red").withNegativePrompt(longPrompt))).isNotNull();
    }

    @Test
    void promptEditingAndAlternationEncodeEachDistinctPromptOnce() {
        try (PointerScope scope = new PointerScope()) {
            Conditioning alternating = conditioning("a [red|blue] circle", "", 20, 1);
            assertThat(alternating.encodedPrompts()).isEqualTo(3); // "a red circle", "a blue circle", ""
            Tensor first = alternating.at(0, 20, true);
            assertThat(alternating.at(1, 20, true)).isSameAs(first); // steps 0 and 1 use entry 1 (A1111's rule)
            assertThat(Tensors.toFloats(alternating.at(2, 20, true))).isNotEqualTo(Tensors.toFloats(first));
            assertThat(alternating.at(3, 20, true)).isSameAs(first);
        }
        GenerationRequest edited = request("a [red:blue:3] circle");
        assertThat(pixels(edited))
                .isNotEqualTo(pixels(request("a red circle")))
                .isNotEqualTo(pixels(request("a blue circle")));
    }

    @Test
    void samplersWithMoreCallsThanStepsMapCallsToSteps() {
        try (PointerScope scope = new PointerScope()) {
            Conditioning c = conditioning("[red:blue:1]", "", 4, 1);
            // Heun: 7 calls for 4 steps; call k is at step floor(4k/7) = 0 0 1 1 2 2 3: red up to step 1
            Tensor red = c.at(0, 7, true);
            for (int call = 1; call < 4; call++) {
                assertThat(c.at(call, 7, true)).isSameAs(red);
            }
            Tensor blue = c.at(4, 7, true);
            assertThat(blue).isNotSameAs(red);
            assertThat(c.at(6, 7, true)).isSameAs(blue);
        }
    }

    @Test
    void syntaxErrorsComeFromResolveBeforeAnyWork() {
        assertThatThrownBy(() -> Internals.resolve(request("a (cat"), model.manifest()))
                .isInstanceOf(PromptSyntaxException.class);
        assertThat(Internals.resolve(request("a (cat").withPromptSyntax(PromptSyntax.PLAIN), model.manifest()))
                .isNotNull();
    }

    @Test
    void aDelayedNegativePromptEqualsPromptEditingInTheNegativePrompt() {
        // [:blurry:S] uses the empty prompt for steps 0..S (AUTOMATIC1111's rule), so it equals the
        // negative window starting at S + 1
        GenerationRequest edited = request("a red circle").withNegativePrompt("[:blurry:2]");
        GenerationRequest window =
                request("a red circle").withNegativePrompt("blurry").withNegativeStart(StepPoint.step(3));
        assertThat(pixels(edited)).isEqualTo(pixels(window));
        assertThat(pixels(edited)).isNotEqualTo(pixels(request("a red circle").withNegativePrompt("blurry")));
    }

    @Test
    void tenThousandWordsGenerate() {
        String prompt = "red circle, ".repeat(5000);
        assertThat(pixels(request(prompt).withSteps(2))).isNotNull();
    }

    @Test
    void noNativePointerOutlivesItsRequest() {
        GenerationRequest r = request("[red|blue] (circle:1.3) BREAK " + PromptEncoderTest.longPrompt(100))
                .withNegativePrompt("[:square:2]")
                .withSteps(4)
                .withBatchSize(2);
        sd.generate(r);
        long before = Pointer.totalCount();
        for (int i = 0; i < 5; i++) {
            sd.generate(r.withSeed(i));
        }
        assertThat(Pointer.totalCount()).isLessThanOrEqualTo(before);
    }

    @Test
    void theMemoryEstimateGrowsWithTheContextOfLongPrompts() {
        GenerationRequest r = Internals.resolve(request("x").withSize(256, 256), model.manifest());
        long plain = MemoryEstimate.bytesNeeded(model.manifest(), r).orElseThrow();
        assertThat(MemoryEstimate.bytesNeeded(model.manifest(), r, 77).orElseThrow())
                .isEqualTo(plain);
        // 256x256: 1024 latent tokens; a context of 200 chunks (15,400 tokens) dominates the attention scores
        long huge = MemoryEstimate.bytesNeeded(model.manifest(), r, 77L * 200).orElseThrow();
        assertThat(huge).isGreaterThan(5 * plain);
    }

    @Test
    void syntaxErrorsNameTheNegativePrompt() {
        assertThatThrownBy(() -> sd.generate(request("a cat").withNegativePrompt("(blurry")))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("at position 1 of the negative prompt");
        assertThatThrownBy(() -> sd.generate(request("a [cat:dog:30]")))
                .isInstanceOf(PromptSyntaxException.class)
                .hasMessageContaining("0..6");
    }
}
