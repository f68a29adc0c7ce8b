package dev.torchsd.generation;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.model.Model;
import dev.torchsd.model.UNetInput;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Classifier-free guidance as diffusers: [negative; positive] in one U-Net call, none when w <= 1. */
class GuidanceTest {
    static StableDiffusion sd;
    static Model model;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
        model = Internals.model(sd);
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    @Test
    void combineTakesTheNegativeHalfFirst() {
        float[] values = {1f, 2f, 10f, 20f}; // rows: negative (1, 2), positive (10, 20)
        try (Tensor batched = Tensors.fromFloats(values, 2, 2);
                Tensor guided = Guidance.combine(batched, 7.5)) {
            assertArrayEquals(new float[] {1f + 7.5f * 9f, 2f + 7.5f * 18f}, Tensors.toFloats(guided));
        }
    }

    @Test
    void conditioningIsNegativeRowsThenPositiveRows() {
        GenerationRequest r = Internals.resolve(
                GenerationRequest.of("a red circle").withNegativePrompt("blue").withBatchSize(2), model.manifest());
        try (PointerScope scope = new PointerScope()) {
            Tensor context = Internals.encodePrompts(model, r);
            assertEquals(4, context.size(0));
            float[] negative = encode("blue");
            float[] positive = encode("a red circle");
            for (int row = 0; row < 4; row++) {
                float[] actual = Tensors.toFloats(context.narrow(0, row, 1));
                assertArrayEquals(row < 2 ? negative : positive, actual, 0f, "row " + row);
            }
        }
    }

    @Test
    void withoutGuidanceThereIsNoNegativeBatch() {
        GenerationRequest r = Internals.resolve(
                GenerationRequest.of("a red circle")
                        .withNegativePrompt("blue")
                        .withGuidanceScale(1.0)
                        .withBatchSize(3),
                model.manifest());
        try (PointerScope scope = new PointerScope()) {
            Tensor context = Internals.encodePrompts(model, r);
            assertEquals(3, context.size(0));
            assertArrayEquals(encode("a red circle"), Tensors.toFloats(context.narrow(0, 0, 1)), 0f);
        }
        GenerationRequest base =
                GenerationRequest.of("a red circle").withGuidanceScale(1.0).withSteps(4);
        assertTrue(
                samePixels(
                        sd.generate(base.withNegativePrompt("blue")).image(),
                        sd.generate(base).image()),
                "with w <= 1 the negative prompt must not matter");
        GenerationRequest guided = base.withGuidanceScale(7.5);
        assertFalse(
                samePixels(
                        sd.generate(guided.withNegativePrompt("blue")).image(),
                        sd.generate(guided).image()),
                "with w > 1 the negative prompt must matter");
    }

    /** The pipeline's image equals a hand-written loop with two separate U-Net calls per step. */
    @Test
    void guidedGenerationEqualsTheFormulaWithSeparateCalls() {
        GenerationRequest r = Internals.resolve(
                GenerationRequest.of("a red circle on the left")
                        .withNegativePrompt("green")
                        .withSeed(11)
                        .withSteps(6)
                        .withGuidanceScale(5.0),
                model.manifest());
        BufferedImage byPipeline = sd.generate(r).image();

        SchedulerConfig config = SchedulerConfig.fromJson(model.manifest().scheduler(), "test");
        try (Scheduler scheduler = Schedulers.create(null, config, r.steps());
                PointerScope scope = new PointerScope()) {
            Tensor negative = model.textEncoder()
                    .encode(new int[][] {model.tokenizer().encodePadded("green").ids()}, 1);
            Tensor positive = model.textEncoder()
                    .encode(
                            new int[][] {
                                model.tokenizer()
                                        .encodePadded("a red circle on the left")
                                        .ids()
                            },
                            1);
            Generator g = InitialNoise.generator(11);
            int scale = model.manifest().vae().scaleFactor();
            Tensor latents = InitialNoise.sample(
                            g, 1, 4, r.height().getAsInt() / scale, r.width().getAsInt() / scale)
                    .mul(Tensors.scalar(scheduler.initNoiseSigma()));
            for (int i = 0; i < scheduler.timesteps().length; i++) {
                double t = scheduler.timesteps()[i];
                Tensor input = scheduler.scaleModelInput(latents, i);
                Tensor epsNegative = model.unet().predict(UNetInput.of(input, t, negative));
                Tensor epsPositive = model.unet().predict(UNetInput.of(input, t, positive));
                Tensor eps = epsNegative.add(epsPositive.sub(epsNegative).mul(Tensors.scalar(r.guidanceScale())));
                latents = scheduler.step(eps, i, latents, g);
            }
            BufferedImage byHand = dev.torchsd.image.ImageConversion.toImages(
                            model.vaeDecoder().decode(latents))
                    .get(0);
            assertTrue(
                    maxPixelDifference(byPipeline, byHand) <= 2,
                    "pipeline and formula differ by " + maxPixelDifference(byPipeline, byHand));
        }
    }

    private static float[] encode(String text) {
        try (Tensor t = model.textEncoder()
                .encode(new int[][] {model.tokenizer().encodePadded(text).ids()}, 1)) {
            return Tensors.toFloats(t);
        }
    }

    static boolean samePixels(BufferedImage a, BufferedImage b) {
        return maxPixelDifference(a, b) == 0;
    }
}
