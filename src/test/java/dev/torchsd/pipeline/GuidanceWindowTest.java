package dev.torchsd.pipeline;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.StableDiffusion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Classifier-free guidance inside a window only (AUTOMATIC1111's NGMS, diffusers' CFG cut-off) on the built-in model. */
class GuidanceWindowTest {
    static StableDiffusion sd;
    static final GenerationRequest BASE = GenerationRequest.of("a large red circle on the left, blue background")
            .withNegativePrompt("square")
            .withSeed(5)
            .withSteps(10)
            .withScheduler("Euler");

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    /** Which calls ran with guidance (the listener sees no negative prediction where the U-Net ran the positive half alone). */
    private static List<Boolean> guidedCalls(GenerationRequest r, List<Double> sigmas) {
        List<Boolean> guided = new ArrayList<>();
        sd.generate(r, GenerationListener.onEachPrediction(p -> {
            guided.add(p.epsNegative() != null);
            sigmas.add(p.sigma());
            return null;
        }));
        return guided;
    }

    @Test
    void offIsTheExactRun() {
        var exact = sd.generate(BASE);
        var off = sd.generate(BASE.withGuidanceWindow(GuidanceWindow.OFF));
        assertThat(maxPixelDifference(exact.image(), off.image())).isZero();
        assertThat(off.infotext()).doesNotContain("NGMS").doesNotContain("CFG cutoff");
    }

    @Test
    void diffusersCutoffGuidesUpToTheCutoffCallOnly() {
        List<Boolean> guided = guidedCalls(BASE.withGuidanceWindow(GuidanceWindow.cutoff(0.4)), new ArrayList<>());
        // diffusers' SDCFGCutoffCallback: cutoff_step = int(10 * 0.4) = 4; steps 0..4 guided, 5..9 not
        assertThat(guided).containsExactly(true, true, true, true, true, false, false, false, false, false);
    }

    @Test
    void ngmsSkipsEveryOtherCallBelowTheSigmaOrEveryCallWithAllSteps() {
        double minSigma = 2.0;
        List<Double> sigmas = new ArrayList<>();
        List<Boolean> alternate =
                guidedCalls(BASE.withGuidanceWindow(GuidanceWindow.minSigma(minSigma, false)), sigmas);
        List<Boolean> all =
                guidedCalls(BASE.withGuidanceWindow(GuidanceWindow.minSigma(minSigma, true)), new ArrayList<>());
        int below = 0;
        for (int i = 0; i < alternate.size(); i++) {
            boolean low = sigmas.get(i) < minSigma;
            below += low ? 1 : 0;
            assertThat(alternate.get(i))
                    .as("call %d, sigma %s", i, sigmas.get(i))
                    .isEqualTo(!low || i % 2 == 0);
            assertThat(all.get(i)).as("call %d, sigma %s", i, sigmas.get(i)).isEqualTo(!low);
        }
        assertThat(below).as("the test needs calls on both sides of the sigma").isBetween(2, alternate.size() - 2);
    }

    @Test
    void anUnguidedCallIsThePositivePredictionAlone() {
        // The exact run with the guided prediction replaced by the positive one after the cut-off computes the
        // same as the window (which runs the positive half alone as a batch of 1): equal up to float rounding.
        GenerationRequest r = BASE.withGuidanceWindow(GuidanceWindow.cutoff(0.5));
        var window = sd.generate(r);
        var replaced =
                sd.generate(BASE, GenerationListener.onEachPrediction(p -> p.call() > 5 ? p.epsPositive() : null));
        var exact = sd.generate(BASE);
        float[] a = window.latents().values();
        float[] b = replaced.latents().values();
        double maxDifference = 0;
        for (int i = 0; i < a.length; i++) {
            maxDifference = Math.max(maxDifference, Math.abs(a[i] - b[i]));
        }
        assertThat(maxDifference).isLessThan(1e-4);
        assertThat(maxPixelDifference(window.image(), exact.image()))
                .as("skipping guidance changes the image")
                .isPositive();
        assertThat(window.infotext()).contains("CFG cutoff step ratio: 0.5");
    }

    @Test
    void infotextUsesAutomatic1111sNames() {
        var result = sd.generate(BASE.withSteps(4).withGuidanceWindow(GuidanceWindow.minSigma(1.5, true)));
        assertThat(result.infotext()).contains("NGMS: 1.5").contains("NGMS all steps: True");
    }

    @Test
    void refusesBadValuesNamingThem() {
        assertThatThrownBy(() -> GuidanceWindow.cutoff(1.5))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("CFG cutoff step ratio must be in 0..1, got 1.5");
        assertThatThrownBy(() -> GuidanceWindow.minSigma(-1, false))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining("NGMS) must be >= 0, got -1.0");
    }
}
