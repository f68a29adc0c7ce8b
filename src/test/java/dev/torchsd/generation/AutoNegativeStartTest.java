package dev.torchsd.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.model.Model;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * --negative-start auto: the step it picks is the one after the first call at which the negative prompt's own
 * effect is not anti-aligned with the content; the generation before it is the one without a negative prompt;
 * the pick, recorded in the result, reproduces the image.
 */
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
    void picksTheStepAfterTheNegativeEffectStopsBeingAntiAlignedAndRecordsIt() {
        // The generation without the negative prompt (never active), and at each call the negative prompt's
        // prediction on the same latents, made here by the U-Net directly.
        Model model = Internals.model(sd);
        Tensor negativeContext =
                Internals.encodePrompts(model, sd.resolve(REQUEST)).narrow(0, 0, 1);
        List<Double> alignments = new ArrayList<>();
        List<float[]> referencePositive = new ArrayList<>();
        sd.generate(REQUEST.withNegativeStart(StepPoint.fraction(1.0)), GenerationListener.onEachPrediction(p -> {
            float[] empty = Tensors.toFloats(p.epsNegative());
            float[] positive = Tensors.toFloats(p.epsPositive());
            float[] negative =
                    Tensors.toFloats(model.unet().predict(UNetInput.of(p.modelInput(), p.timestep(), negativeContext)));
            alignments.add(cosineOfDifferences(negative, positive, empty));
            referencePositive.add(positive);
            return null;
        }));
        int firstAligned = 0;
        while (firstAligned < alignments.size() && alignments.get(firstAligned) <= AutoNegativeStart.THRESHOLD) {
            firstAligned++;
        }
        int expected = Math.min(firstAligned + 1, 8);
        assertThat(expected).as("a case with a pick inside the steps").isBetween(2, 7);

        List<Boolean> active = new ArrayList<>();
        List<float[]> positive = new ArrayList<>();
        GenerationResult auto = sd.generate(REQUEST, GenerationListener.onEachPrediction(p -> {
            active.add(p.negativeActive());
            positive.add(Tensors.toFloats(p.epsPositive()));
            return null;
        }));
        StepPoint chosen = auto.request().negativeWindow().start();
        assertThat(chosen.auto()).isTrue();
        assertThat(chosen.pending()).isFalse();
        int step = (int) chosen.value();
        assertThat(step).isEqualTo(expected);
        for (int i = 0; i < active.size(); i++) {
            assertThat(active.get(i)).as("call " + i).isEqualTo(i >= step);
        }
        for (int i = 0; i < step; i++) { // before the pick: the generation without the negative prompt
            assertThat(positive.get(i)).as("call " + i).isEqualTo(referencePositive.get(i));
        }
        assertThat(auto.infotext()).contains("Negative start: auto (step " + step + ")");

        GenerationResult fixed = sd.generate(REQUEST.withNegativeStart(StepPoint.step(step)));
        assertThat(fixed.latents().values()).isEqualTo(auto.latents().values());
        GenerationResult again = sd.generate(auto.request());
        assertThat(again.latents().values()).isEqualTo(auto.latents().values());
    }

    @Test
    void withoutGuidanceTheNegativePromptNeverStarts() {
        GenerationResult auto = sd.generate(REQUEST.withGuidanceScale(1.0));
        assertThat(auto.request().negativeWindow().start()).isEqualTo(StepPoint.autoChosen(8));
        assertThat(auto.latents().values())
                .isEqualTo(sd.generate(REQUEST.withGuidanceScale(1.0).withNegativeStart(StepPoint.fraction(1.0)))
                        .latents()
                        .values());
    }

    @Test
    void anEmptyWindowNeverStartsAndAnEndedOneStopsLooking() {
        GenerationResult empty = sd.generate(REQUEST.withNegativeEnd(StepPoint.step(0)));
        assertThat(empty.request().negativeWindow().start()).isEqualTo(StepPoint.autoChosen(8));
        GenerationResult early = sd.generate(REQUEST.withNegativeEnd(StepPoint.step(1)));
        assertThat(early.latents().values())
                .isEqualTo(sd.generate(REQUEST.withNegativeStart(StepPoint.fraction(1.0)))
                        .latents()
                        .values()); // the window ends before any pick can act
    }

    @Test
    void autoParsesAndPrints() {
        assertThat(StepPoint.parse(" Auto ")).isEqualTo(StepPoint.AUTO);
        assertThat(StepPoint.AUTO.toString()).isEqualTo("auto");
        assertThat(StepPoint.autoChosen(7).toString()).isEqualTo("auto (step 7)");
        assertThat(StepPoint.AUTO.resolve(20, "negative start")).isZero();
        assertThat(StepPoint.autoChosen(7).resolve(20, "negative start")).isEqualTo(7);
    }

    /** cos(negative - empty, positive - empty), in double precision. */
    private static double cosineOfDifferences(float[] negative, float[] positive, float[] empty) {
        double dot = 0;
        double own = 0;
        double content = 0;
        for (int i = 0; i < empty.length; i++) {
            double a = negative[i] - empty[i];
            double b = positive[i] - empty[i];
            dot += a * b;
            own += a * a;
            content += b * b;
        }
        return dot / Math.sqrt(own * content);
    }
}
