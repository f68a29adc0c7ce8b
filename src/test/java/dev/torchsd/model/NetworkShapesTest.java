package dev.torchsd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.generation.InitialNoise;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One export of each network serves any batch size and any image size that is a multiple of 8. */
class NetworkShapesTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.loadBuiltin();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest(name = "{0}x{1} batch {2}")
    @CsvSource({"64, 64, 1", "48, 80, 2", "80, 48, 3", "128, 64, 2"})
    void unetAndVaeFollowTheInputShape(int height, int width, int batch) {
        Generator g = InitialNoise.generator(1);
        int scale = model.manifest().vae().scaleFactor();
        try (Tensor latents = InitialNoise.sample(g, batch, 4, height / scale, width / scale);
                Tensor context = model.textEncoder().encode(ids(batch), 1);
                Tensor eps = model.unet().predict(UNetInput.of(latents, 981.0, context));
                Tensor image = model.vaeDecoder().decode(latents)) {
            assertArrayEquals(new long[] {batch, 4, height / scale, width / scale}, Tensors.shape(eps));
            assertArrayEquals(new long[] {batch, 3, height, width}, Tensors.shape(image));
            assertFinite(Tensors.toFloats(eps));
            assertFinite(Tensors.toFloats(image));
        } finally {
            g.close();
        }
    }

    @Test
    void batchEntriesAreIndependent() {
        Generator g = InitialNoise.generator(3);
        try (Tensor latents = InitialNoise.sample(g, 2, 4, 8, 8);
                Tensor context = model.textEncoder().encode(ids(2), 1);
                Tensor both = model.unet().predict(UNetInput.of(latents, 500.0, context));
                Tensor first = latents.narrow(0, 0, 1);
                Tensor firstContext = context.narrow(0, 0, 1);
                Tensor alone = model.unet().predict(UNetInput.of(first, 500.0, firstContext));
                Tensor bothFirst = both.narrow(0, 0, 1)) {
            float[] a = Tensors.toFloats(alone);
            float[] b = Tensors.toFloats(bothFirst);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5f);
            }
        } finally {
            g.close();
        }
    }

    @Test
    void fractionalTimestepsReachTheUNet() {
        Generator g = InitialNoise.generator(5);
        try (Tensor latents = InitialNoise.sample(g, 1, 4, 8, 8);
                Tensor context = model.textEncoder().encode(ids(1), 1);
                Tensor a = model.unet().predict(UNetInput.of(latents, 500.0, context));
                Tensor b = model.unet().predict(UNetInput.of(latents, 500.25, context))) {
            assertTrue(
                    maxDifference(Tensors.toFloats(a), Tensors.toFloats(b)) > 0, "500.25 must not be rounded to 500");
        } finally {
            g.close();
        }
    }

    @Test
    void clipSkipReturnsAnEarlierLayer() {
        try (Tensor last = model.textEncoder().encode(ids(1), 1);
                Tensor penultimate = model.textEncoder().encode(ids(1), 2)) {
            assertArrayEquals(Tensors.shape(last), Tensors.shape(penultimate));
            assertTrue(maxDifference(Tensors.toFloats(last), Tensors.toFloats(penultimate)) > 1e-3);
        }
        assertTrue(assertThrowsModel(() -> model.textEncoder().encode(ids(1), 0)));
        assertTrue(assertThrowsModel(
                () -> model.textEncoder().encode(ids(1), model.textEncoder().numLayers() + 1)));
    }

    private static boolean assertThrowsModel(Runnable r) {
        try {
            r.run();
            return false;
        } catch (ModelException e) {
            return e.getMessage().contains("clip skip");
        }
    }

    private static int[][] ids(int batch) {
        int[] row = model.tokenizer().encodePadded("a red circle on the left").ids();
        int[][] out = new int[batch][];
        for (int b = 0; b < batch; b++) {
            out[b] = row;
        }
        return out;
    }

    static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static void assertFinite(float[] values) {
        for (float v : values) {
            assertTrue(Float.isFinite(v), "non-finite value");
        }
    }
}
