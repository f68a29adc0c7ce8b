package dev.torchsd.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.tensor.LibTorch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spacings, Karras sigmas and v-prediction steps for SD 1.5's config against an independent numpy
 * re-derivation of diffusers' formulas (src/test/python/scheduler_formulas.py, which wrote
 * formula_cases.json), plus the spacing table of Lin et al. 2023 (Table 2).
 */
class FormulaCasesTest {
    private static JsonObject cases;

    @BeforeAll
    static void load() throws IOException {
        LibTorch.ensureLoaded();
        try (InputStream in = FormulaCasesTest.class.getResourceAsStream("formula_cases.json")) {
            cases = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
    }

    private static double[] doubles(JsonArray array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsDouble();
        }
        return values;
    }

    private static SchedulerConfig sd15(String spacing) {
        return SchedulerConfig.sd15().with("timestep_spacing", spacing);
    }

    private static double[] timesteps(String name, SchedulerConfig config, int steps) {
        try (Scheduler scheduler = Schedulers.create(name, config, steps)) {
            return scheduler.timesteps();
        }
    }

    private static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(
                    expected[i], actual[i], Math.max(1e-6, Math.abs(expected[i]) * relative), what + " [" + i + "]");
        }
    }

    /** Lin et al. 2023, Table 2: 10 steps over 1000 training steps (steps_offset 0). */
    @Test
    void spacingTableOfTheZeroSnrPaper() {
        SchedulerConfig config = SchedulerConfig.empty();
        assertArrayEquals(
                new double[] {900, 800, 700, 600, 500, 400, 300, 200, 100, 0},
                timesteps("DDIM", config.with("timestep_spacing", "leading"), 10));
        assertArrayEquals(
                new double[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0},
                timesteps("DDIM", config.with("timestep_spacing", "linspace"), 10));
        assertArrayEquals(
                new double[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99},
                timesteps("DDIM", config.with("timestep_spacing", "trailing"), 10));
    }

    @Test
    void timestepsOfEveryFamilyAndSpacing() {
        for (JsonElement element : cases.getAsJsonArray("timesteps")) {
            JsonObject c = element.getAsJsonObject();
            String spacing = c.get("spacing").getAsString();
            int steps = c.get("steps").getAsInt();
            String what = spacing + " " + steps + " steps";
            assertArrayEquals(
                    doubles(c.getAsJsonArray("ddim")), timesteps("DDIM", sd15(spacing), steps), "DDIM " + what);
            assertArrayEquals(
                    doubles(c.getAsJsonArray("ddim")), timesteps("DDPM", sd15(spacing), steps), "DDPM " + what);
            assertArrayEquals(
                    doubles(c.getAsJsonArray("euler")), timesteps("Euler", sd15(spacing), steps), "Euler " + what);
            assertArrayEquals(
                    doubles(c.getAsJsonArray("dpm")), timesteps("DPM++ 2M", sd15(spacing), steps), "DPM " + what);
            assertArrayEquals(
                    doubles(c.getAsJsonArray("dpm")), timesteps("UniPC", sd15(spacing), steps), "UniPC " + what);
        }
    }

    @Test
    void eulerSigmasWithAndWithoutKarras() {
        for (JsonElement element : cases.getAsJsonArray("euler")) {
            JsonObject c = element.getAsJsonObject();
            boolean karras = c.get("karras").getAsBoolean();
            String what = "Euler " + c.get("spacing").getAsString() + " "
                    + c.get("steps").getAsInt() + (karras ? " Karras" : "");
            SchedulerConfig config =
                    sd15(c.get("spacing").getAsString()).with("use_karras_sigmas", String.valueOf(karras));
            try (Scheduler euler =
                    Schedulers.create("Euler", config, c.get("steps").getAsInt())) {
                assertClose(doubles(c.getAsJsonArray("timesteps")), euler.timesteps(), 1e-5, what + " timesteps");
                assertClose(doubles(c.getAsJsonArray("sigmas")), euler.sigmas(), 1e-5, what + " sigmas");
                assertEquals(
                        c.get("init_noise_sigma").getAsDouble(),
                        euler.initNoiseSigma(),
                        c.get("init_noise_sigma").getAsDouble() * 1e-5,
                        what + " init_noise_sigma");
            }
        }
    }

    @Test
    void dpmKarrasSigmasAndRoundedTimesteps() {
        for (JsonElement element : cases.getAsJsonArray("dpm_karras")) {
            JsonObject c = element.getAsJsonObject();
            int steps = c.get("steps").getAsInt();
            try (Scheduler dpm = Schedulers.create("DPM++ 2M Karras", SchedulerConfig.sd15(), steps)) {
                assertArrayEquals(doubles(c.getAsJsonArray("timesteps")), dpm.timesteps(), "DPM++ 2M Karras " + steps);
                assertClose(
                        doubles(c.getAsJsonArray("sigmas")),
                        dpm.sigmas(),
                        1e-5,
                        "DPM++ 2M Karras " + steps + " sigmas");
            }
        }
    }

    private static void assertStats(JsonObject expected, Tensor actual, String what) {
        DiffusersRecipe.Result result = DiffusersRecipe.measure(actual);
        double first = actual.flatten(0, -1).get(0).item_float();
        assertEquals(
                expected.get("sum").getAsDouble(),
                result.sum(),
                expected.get("sum").getAsDouble() * 1e-5,
                what + " sum");
        assertEquals(
                expected.get("mean").getAsDouble(),
                result.mean(),
                expected.get("mean").getAsDouble() * 1e-5,
                what + " mean");
        assertEquals(expected.get("first").getAsDouble(), first, 1e-5, what + " first value");
    }

    /** One DDIM step from 981 to 961 with v-prediction (SD 2.x 768 style) on the deterministic tensors. */
    @Test
    void ddimVPredictionStep() {
        SchedulerConfig config = SchedulerConfig.sd15().with("prediction_type", "v_prediction");
        try (PointerScope scope = new PointerScope();
                Scheduler ddim = Schedulers.create("DDIM", config, 50)) {
            assertEquals(981, ddim.timesteps()[0]);
            Tensor next = ddim.step(DiffusersRecipe.noise(), 0, DiffusersRecipe.sample(), null);
            assertStats(cases.getAsJsonObject("v_steps").getAsJsonObject("ddim_981_to_961"), next, "DDIM v");
        }
    }

    /** One Euler step at index 3 of 20 (linspace) with v-prediction. */
    @Test
    void eulerVPredictionStep() {
        SchedulerConfig config =
                SchedulerConfig.sd15().with("prediction_type", "v_prediction").with("timestep_spacing", "linspace");
        try (PointerScope scope = new PointerScope();
                Scheduler euler = Schedulers.create("Euler", config, 20)) {
            Tensor sample = DiffusersRecipe.sample().mul(new Scalar(euler.sigmas()[3]));
            Tensor next = euler.step(DiffusersRecipe.noise(), 3, sample, null);
            assertStats(cases.getAsJsonObject("v_steps").getAsJsonObject("euler_linspace20_index3"), next, "Euler v");
        }
    }
}
