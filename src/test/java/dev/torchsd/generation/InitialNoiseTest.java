package dev.torchsd.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.tensor.Tensors;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The initial noise equals torch's {@code randn(shape, generator=Generator().manual_seed(seed))}
 * bit for bit; the reference values were written by Debian's torch 1.13 (native/fixtures/make_noise.py).
 */
class InitialNoiseTest {

    @Test
    void equalsTorchRandnForEverySeedAndShape() throws Exception {
        JsonObject root;
        try (var in = getClass().getResourceAsStream("/fixtures/noise.json")) {
            root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
        JsonArray cases = root.getAsJsonArray("cases");
        assertTrue(cases.size() >= 5);
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            long seed = c.get("seed").getAsLong();
            long[] shape = toLongs(c.getAsJsonArray("shape"));
            float[] values;
            Generator g = InitialNoise.generator(seed);
            try (Tensor noise = InitialNoise.sample(g, shape)) {
                assertArrayEquals(shape, Tensors.shape(noise));
                values = Tensors.toFloats(noise);
            } finally {
                g.close();
            }
            float[] first = toFloats(c.getAsJsonArray("first"));
            for (int i = 0; i < first.length; i++) {
                assertEquals(
                        Float.floatToIntBits(first[i]),
                        Float.floatToIntBits(values[i]),
                        "seed " + seed + " value " + i);
            }
            float[] last = toFloats(c.getAsJsonArray("last"));
            for (int i = 0; i < last.length; i++) {
                int at = values.length - last.length + i;
                assertEquals(
                        Float.floatToIntBits(last[i]),
                        Float.floatToIntBits(values[at]),
                        "seed " + seed + " value " + at);
            }
            double sum = 0;
            double squares = 0;
            for (float v : values) {
                sum += v;
                squares += (double) v * v;
            }
            assertEquals(c.get("sum").getAsDouble(), sum, 1e-9 * values.length, "seed " + seed + " sum");
            assertEquals(
                    c.get("sum_of_squares").getAsDouble(),
                    squares,
                    1e-9 * values.length,
                    "seed " + seed + " sum of squares");
        }
    }

    @Test
    void theSameGeneratorContinuesItsSequence() {
        Generator g = InitialNoise.generator(7);
        Generator h = InitialNoise.generator(7);
        try (Tensor a = InitialNoise.sample(g, 2, 8);
                Tensor b = InitialNoise.sample(g, 2, 8);
                Tensor both = InitialNoise.sample(h, 2, 8)) {
            assertArrayEquals(Tensors.toFloats(a), Tensors.toFloats(both));
            assertTrue(Tensors.toFloats(a)[0] != Tensors.toFloats(b)[0]);
        } finally {
            g.close();
            h.close();
        }
    }

    private static long[] toLongs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static float[] toFloats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }
}
