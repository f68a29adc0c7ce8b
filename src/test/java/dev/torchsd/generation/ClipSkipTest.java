package dev.torchsd.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which text-encoder layer each half of the guidance batch comes from: diffusers applies clip skip to
 * the prompt only (plain syntax), AUTOMATIC1111 to both (a1111 syntax); an explicit negative clip skip wins.
 */
class ClipSkipTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.loadBuiltin();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The negative half's first row and the positive half's, as the pipeline conditions the U-Net. */
    private static float[][] halves(GenerationRequest request) {
        try (PointerScope scope = new PointerScope()) {
            Tensor context = Internals.encodePrompts(model, Internals.resolve(request, model.manifest()));
            return new float[][] {Tensors.toFloats(context.narrow(0, 0, 1)), Tensors.toFloats(context.narrow(0, 1, 1))};
        }
    }

    private static float[] layer(String text, int clipSkip) {
        try (PointerScope scope = new PointerScope()) {
            return Tensors.toFloats(model.textEncoder()
                    .encode(new int[][] {model.encodePrompt(text).ids()}, clipSkip));
        }
    }

    @Test
    void plainPromptsFollowDiffusersTheNegativeStaysOnTheLastLayer() {
        float[][] h = halves(
                GenerationRequest.of("a red circle").withNegativePrompt("blue").withClipSkip(2));
        assertThat(h[0]).containsExactly(layer("blue", 1));
        assertThat(h[1]).containsExactly(layer("a red circle", 2));
        assertThat(layer("blue", 1)).isNotEqualTo(layer("blue", 2)); // or the test shows nothing
    }

    @Test
    void automatic1111SyntaxFollowsAutomatic1111BothHalvesSkip() {
        float[][] h = halves(GenerationRequest.of("a red circle")
                .withNegativePrompt("blue")
                .withClipSkip(2)
                .withPromptSyntax(PromptSyntax.A1111));
        assertThat(h[0]).containsExactly(layer("blue", 2));
        assertThat(h[1]).containsExactly(layer("a red circle", 2));
    }

    @Test
    void anExplicitNegativeClipSkipWinsAndIsInTheInfotext() {
        GenerationRequest r = GenerationRequest.of("a red circle")
                .withNegativePrompt("blue")
                .withClipSkip(2)
                .withNegativeClipSkip(2);
        assertThat(halves(r)[0]).containsExactly(layer("blue", 2));
        GenerationRequest resolved = Internals.resolve(r, model.manifest());
        assertThat(dev.torchsd.pipeline.Infotext.format(resolved, "PNDM", "m"))
                .contains("Clip skip: 2")
                .contains("Negative clip skip: 2");
        GenerationRequest conventional =
                Internals.resolve(r.toBuilder().conventionalNegativeClipSkip().build(), model.manifest());
        assertThat(dev.torchsd.pipeline.Infotext.format(conventional, "PNDM", "m"))
                .doesNotContain("Negative clip skip");
    }
}
