package dev.torchsd.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.torchsd.pipeline.Emphasis;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The emphasis modes on hidden states (1 × 3 tokens × 2) whose values are worked out by hand. */
class EmphasisTest {
    static final float[] Z = {1, 3, 2, 2, 4, 0}; // mean 2
    static final float[] WEIGHTS = {1f, 1.5f, 0.5f};

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    private static float[] apply(Emphasis e, float[] z, float[] weights) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.fromFloats(z, 1, 3, 2);
            return Tensors.toFloats(EmphasisWeights.apply(e, t, weights));
        }
    }

    @Test
    void noNormMultipliesEachTokenByItsWeight() {
        assertThat(apply(Emphasis.NO_NORM, Z, WEIGHTS)).containsExactly(1, 3, 3, 3, 2, 0);
    }

    @Test
    void originalRestoresTheMean() {
        // weighted: 1 3 3 3 2 0, mean 2 -> already 2: unchanged; with other weights the mean is scaled back
        assertThat(apply(Emphasis.ORIGINAL, Z, WEIGHTS)).containsExactly(1, 3, 3, 3, 2, 0);
        float[] doubled = apply(Emphasis.ORIGINAL, Z, new float[] {1f, 2f, 1f}); // 1 3 4 4 4 0, mean 8/3
        float scale = 2f / (16f / 6f);
        float[] expected = {1 * scale, 3 * scale, 4 * scale, 4 * scale, 4 * scale, 0};
        for (int i = 0; i < 6; i++) {
            assertThat(doubled[i]).isCloseTo(expected[i], within(1e-6f));
        }
    }

    @Test
    void ignoreLeavesTheStatesAlone() {
        assertThat(apply(Emphasis.IGNORE, Z, WEIGHTS)).containsExactly(Z);
    }

    @Test
    void aWeightedMeanOfZeroSkipsTheScaling() {
        float[] z = {1, -1, 1, -1, 1, -1};
        assertThat(apply(Emphasis.ORIGINAL, z, new float[] {1f, 2f, 1f})).containsExactly(1, -1, 2, -2, 1, -1);
    }

    @Test
    void namesAsAutomatic1111WritesThem() {
        assertThat(Emphasis.parse("No norm")).isEqualTo(Emphasis.NO_NORM);
        assertThat(Emphasis.parse("no-norm")).isEqualTo(Emphasis.NO_NORM);
        assertThat(Emphasis.parse("Original")).isEqualTo(Emphasis.ORIGINAL);
        assertThatThrownBy(() -> Emphasis.parse("strong")).hasMessageContaining("expected original, ignore or no-norm");
    }
}
