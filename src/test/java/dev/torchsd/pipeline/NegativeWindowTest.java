package dev.torchsd.pipeline;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.StableDiffusion;
import dev.torchsd.generation.Guidance;
import dev.torchsd.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The delayed negative prompt, the step observer and guidance rescale. */
class NegativeWindowTest {
    static StableDiffusion sd;
    static final GenerationRequest BASE = GenerationRequest.of("a red circle on the left")
            .withNegativePrompt("blue, square")
            .withSeed(21)
            .withSteps(8)
            .withGuidanceScale(6.0);

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PLMS", "Euler a", "Heun", "DPM++ 2M"})
    void startZeroIsPlainNegativeAndStartAtTheEndIsNoNegative(String sampler) {
        GenerationRequest r = BASE.withScheduler(sampler);
        var plain = sd.generate(r).image();
        var none = sd.generate(r.withNegativePrompt("")).image();
        assertEquals(
                0,
                maxPixelDifference(
                        plain,
                        sd.generate(r.withNegativeStart(StepPoint.step(0))).image()));
        assertEquals(
                0,
                maxPixelDifference(
                        none,
                        sd.generate(r.withNegativeStart(StepPoint.step(8))).image()));
        assertEquals(
                0,
                maxPixelDifference(
                        none,
                        sd.generate(r.withNegativeStart(StepPoint.fraction(1.0)))
                                .image()));
        assertEquals(
                0,
                maxPixelDifference(
                        none, sd.generate(r.withNegativeEnd(StepPoint.step(0))).image()));
        var delayed = sd.generate(r.withNegativeStart(StepPoint.fraction(0.4))).image();
        assertTrue(maxPixelDifference(plain, delayed) > 0, "a delayed negative prompt must change the image");
        assertTrue(maxPixelDifference(none, delayed) > 0, "a delayed negative prompt must still act");
    }

    @Test
    void theObserverSeesWhichCallsUseTheNegativePrompt() {
        List<Boolean> active = new ArrayList<>();
        List<Double> timesteps = new ArrayList<>();
        sd.generate(
                BASE.withScheduler("Euler")
                        .withNegativeStart(StepPoint.fraction(0.25))
                        .withNegativeEnd(StepPoint.step(6)),
                GenerationListener.onEachPrediction(p -> {
                    active.add(p.negativeActive());
                    timesteps.add(p.timestep());
                    assertEquals(8, p.calls());
                    assertTrue(p.alphaBar() > 0 && p.alphaBar() < 1);
                    assertTrue(p.sigma() > 0);
                    return null;
                }));
        assertEquals(List.of(false, false, true, true, true, true, false, false), active);
        assertEquals(8, timesteps.size());
        assertTrue(timesteps.get(0) > timesteps.get(7));
    }

    @Test
    void anObserverCanReplaceTheGuidedNoise() {
        GenerationRequest r = BASE.withScheduler("DDIM");
        var plain = sd.generate(r).image();
        var byHand = sd.generate(
                        r,
                        GenerationListener.onEachPrediction(
                                p -> Guidance.guide(p.epsNegative(), p.epsPositive(), p.guidanceScale())))
                .image();
        assertEquals(0, maxPixelDifference(plain, byHand), "the observer's own CFG equals the pipeline's");
        var positiveOnly = sd.generate(
                        r,
                        GenerationListener.onEachPrediction(p -> p.epsPositive().clone()))
                .image();
        assertTrue(maxPixelDifference(plain, positiveOnly) > 0);
    }

    @Test
    void guidanceRescaleFollowsDiffusers() {
        float[] guided = {1f, 3f, 5f, 7f};
        float[] positive = {1f, 2f, 3f, 4f};
        try (Tensor g = Tensors.fromFloats(guided, 1, 4);
                Tensor p = Tensors.fromFloats(positive, 1, 4);
                Tensor out = Guidance.rescale(g, p, 0.5)) {
            // std (unbiased) of guided = 2*std(positive): rescaled = guided / 2; mixed = 0.5*g/2 + 0.5*g = 0.75*g
            assertArrayEquals(new float[] {0.75f, 2.25f, 3.75f, 5.25f}, Tensors.toFloats(out), 1e-6f);
        }
        var plain = sd.generate(BASE).image();
        assertEquals(
                0,
                maxPixelDifference(
                        plain, sd.generate(BASE.withGuidanceRescale(0)).image()));
        var rescaled = sd.generate(BASE.withGuidanceRescale(0.7));
        assertTrue(maxPixelDifference(plain, rescaled.image()) > 0);
        assertThat(rescaled.infotext()).contains("Guidance rescale: 0.7");
    }

    @Test
    void badWindowsAreRefusedBeforeAnyWork() {
        assertThat(error(BASE.withNegativeStart(StepPoint.step(5)).withNegativeEnd(StepPoint.step(3))))
                .contains("negative start (5) is after negative end (3)");
        assertThat(error(BASE.withNegativeStart(StepPoint.fraction(-0.1))))
                .contains("negative start")
                .contains("-0.1");
        assertThat(error(BASE.withNegativeEnd(StepPoint.fraction(1.5))))
                .contains("negative end")
                .contains("1.5");
        assertThat(error(BASE.withNegativeStart(StepPoint.step(9))))
                .contains("0..8")
                .contains("9");
        assertThat(assertThrows(RequestException.class, () -> StepPoint.parse("soon"))
                        .getMessage())
                .contains("'soon'");
        assertEquals(StepPoint.fraction(0.4), StepPoint.parse("40%"));
        assertEquals(StepPoint.step(10), StepPoint.parse("10"));
        assertFalse(StepPoint.parse("0.5").equals(StepPoint.step(0)));
    }

    private static String error(GenerationRequest r) {
        return assertThrows(RequestException.class, () -> sd.generate(r)).getMessage();
    }
}
