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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --negative-start auto: once the negative prompt's own effect has been above the threshold of alignment with the
 * content at two calls in a row, the negative prompt acts from the next call on; the generation before it is the
 * one without a negative prompt; the pick, recorded in the result, reproduces the image.
 */
class AutoNegativeStartTest {
    static StableDiffusion sd;
    static final GenerationRequest REQUEST = GenerationRequest.of("a red circle on the left")
            .withNegativePrompt("blue")
            .withSeed(5)
            .withSteps(8)
            .withScheduler("DDIM")
            .withNegativeStart(StepPoint.AUTO);

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"DDIM", "PLMS"}) // DDIM: one call per step; PLMS: 9 calls for 8 steps (its first timestep twice)
    void startsAtTheCallAfterTheNegativeEffectAlignsTwiceInARowAndRecordsIt(String scheduler) {
        GenerationRequest request = REQUEST.withScheduler(scheduler);
        // The generation without the negative prompt (never active), and at each call the negative prompt's
        // prediction on the same latents, made here by the U-Net directly.
        Model model = Internals.model(sd);
        Tensor negativeContext =
                Internals.encodePrompts(model, sd.resolve(request)).narrow(0, 0, 1);
        List<Double> alignments = new ArrayList<>();
        List<float[]> referencePositive = new ArrayList<>();
        sd.generate(request.withNegativeStart(StepPoint.fraction(1.0)), GenerationListener.onEachPrediction(p -> {
            float[] empty = Tensors.toFloats(p.epsNegative());
            float[] positive = Tensors.toFloats(p.epsPositive());
            float[] negative =
                    Tensors.toFloats(model.unet().predict(UNetInput.of(p.modelInput(), p.timestep(), negativeContext)));
            alignments.add(cosineOfDifferences(negative, positive, empty));
            referencePositive.add(positive);
            return null;
        }));
        int calls = alignments.size();
        int signal = AutoNegativeStart.CALLS - 1; // the call that completes the first run of aligned calls
        while (signal < calls
                && alignments.subList(signal + 1 - AutoNegativeStart.CALLS, signal + 1).stream()
                        .anyMatch(a -> a <= AutoNegativeStart.THRESHOLD)) {
            signal++;
        }
        assertThat(signal).as("a case with a pick inside the steps").isBetween(1, calls - 3);
        int expected = (int) Math.floor((double) signal * 8 / calls) + 1; // the first whole step after its position

        List<Boolean> active = new ArrayList<>();
        List<float[]> positive = new ArrayList<>();
        GenerationResult auto = sd.generate(request, GenerationListener.onEachPrediction(p -> {
            active.add(p.negativeActive());
            positive.add(Tensors.toFloats(p.epsPositive()));
            return null;
        }));
        StepPoint chosen = auto.request().negativeWindow().start();
        assertThat(chosen.auto()).isTrue();
        assertThat(chosen.pending()).isFalse();
        int step = (int) chosen.value();
        assertThat(step).isEqualTo(expected);
        for (int i = 0; i < active.size(); i++) { // from the call after the signal on
            assertThat(active.get(i)).as("call " + i).isEqualTo(i > signal);
        }
        for (int i = 0; i <= signal; i++) { // before the pick: the generation without the negative prompt
            assertThat(positive.get(i)).as("call " + i).isEqualTo(referencePositive.get(i));
        }
        assertThat(auto.infotext()).contains("Negative start: auto (step " + step + ")");

        GenerationResult fixed = sd.generate(request.withNegativeStart(StepPoint.step(step)));
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
