package dev.torchsd.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.StepPoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --negative-start auto: the step it picks, recorded in the result, reproduces the image. */
class AutoNegativeStartTest {
    static StableDiffusion sd;
    static final GenerationRequest REQUEST = GenerationRequest.of("a red circle on the left")
            .withNegativePrompt("blue")
            .withSeed(5)
            .withSteps(8)
            .withScheduler("DDIM")
            .withNegativeStart(StepPoint.AUTO); // one call per step

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @Test
    void picksTheStepAfterThePositivePredictionSettlesAndRecordsIt() {
        List<Boolean> active = new ArrayList<>();
        List<float[]> x0 = new ArrayList<>();
        GenerationResult auto = sd.generate(REQUEST, GenerationListener.onEachPrediction(p -> {
            active.add(p.negativeActive());
            x0.add(dev.torchsd.tensor.Tensors.toFloats(p.predictedOriginal(p.epsPositive(), false)));
            return null;
        }));
        StepPoint chosen = auto.request().negativeWindow().start();
        assertThat(chosen.auto()).isTrue();
        assertThat(chosen.pending()).isFalse();
        int step = (int) chosen.value();
        // the first call whose positive x0 moved less than the tolerance from the previous one
        int settled = 1;
        while (settled < x0.size()
                && AutoNegativeStart.relativeChange(x0.get(settled), x0.get(settled - 1))
                        >= AutoNegativeStart.TOLERANCE) {
            settled++;
        }
        assertThat(step).isEqualTo(Math.min(settled + 1, 8));
        for (int i = 0; i < active.size(); i++) {
            assertThat(active.get(i)).as("call " + i).isEqualTo(i >= step);
        }
        assertThat(auto.infotext()).contains("Negative start: auto (step " + step + ")");

        GenerationResult fixed = sd.generate(REQUEST.withNegativeStart(StepPoint.step(step)));
        assertThat(fixed.latents().values()).isEqualTo(auto.latents().values());
        GenerationResult again = sd.generate(auto.request());
        assertThat(again.latents().values()).isEqualTo(auto.latents().values());
    }

    @Test
    void autoParsesAndPrints() {
        assertThat(StepPoint.parse(" Auto ")).isEqualTo(StepPoint.AUTO);
        assertThat(StepPoint.AUTO.toString()).isEqualTo("auto");
        assertThat(StepPoint.autoChosen(7).toString()).isEqualTo("auto (step 7)");
        assertThat(StepPoint.AUTO.resolve(20, "negative start")).isZero();
        assertThat(StepPoint.autoChosen(7).resolve(20, "negative start")).isEqualTo(7);
    }

    @Test
    void relativeChangeIsTheNormOfTheDifferenceOverTheNorm() {
        assertThat(AutoNegativeStart.relativeChange(new float[] {3, 4}, new float[] {3, 4}))
                .isZero();
        assertThat(AutoNegativeStart.relativeChange(new float[] {3, 4}, new float[] {0, 4}))
                .isEqualTo(0.6);
    }
}
