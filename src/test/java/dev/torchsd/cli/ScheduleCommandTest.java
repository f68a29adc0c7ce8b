package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.scheduler.Schedulers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code torchsd schedule} through the real command line. */
class ScheduleCommandTest {

    @Test
    void defaultIsSd15Pndm() {
        var run = run("schedule", "--steps", "5");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("scheduler:        PNDMScheduler"), run.out());
        assertTrue(run.out().contains("timesteps (6): 801, 601, 601, 401, 201, 1"), run.out());
        assertTrue(run.out().contains("sigmas:           none"), run.out());
    }

    @Test
    void jsonHasTheContractFields() {
        var run = run("schedule", "--scheduler", "euler a", "--steps", "10", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals("EulerAncestralDiscreteScheduler", json.get("scheduler").getAsString());
        assertEquals(10, json.getAsJsonArray("timesteps").size());
        assertEquals(999, json.getAsJsonArray("timesteps").get(0).getAsDouble());
        assertEquals(11, json.getAsJsonArray("sigmas").size());
        assertEquals(
                json.getAsJsonArray("sigmas").get(0).getAsDouble(),
                json.get("init_noise_sigma").getAsDouble());
        assertEquals(1, json.get("order").getAsInt());
        JsonObject ddim = JsonParser.parseString(
                        run("schedule", "--scheduler", "DDIM", "--json").out())
                .getAsJsonObject();
        assertTrue(ddim.get("sigmas").isJsonNull());
    }

    /**
     * The two-call samplers print what diffusers' scheduler holds after set_timesteps: Heun's repeated
     * sigmas, KDPM2's padded sigmas and sigmas_interpol (e.g. leading, 2 steps: sigmas [1.62369, 0.04131,
     * 0.04131, 0, 0, 0]), with their interleaved timesteps and init_noise_sigma, against the numpy
     * re-derivation of diffusers' formulas (src/test/python/scheduler_formulas.py) for every spacing,
     * 1, 2, 7 and 25 steps, with and without Karras sigmas.
     */
    @Test
    void twoCallSamplersPrintDiffusersTables() throws IOException {
        JsonObject cases;
        try (InputStream in =
                ScheduleCommandTest.class.getResourceAsStream("/dev/torchsd/scheduler/formula_cases.json")) {
            cases = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
        Map<String, List<String>> tables = Map.of(
                "HeunDiscreteScheduler",
                List.of("timesteps", "sigmas"),
                "KDPM2DiscreteScheduler",
                List.of("timesteps", "sigmas", "sigmas_interpol"));
        for (String sampler : tables.keySet()) {
            JsonArray samplerCases = cases.getAsJsonArray(sampler.equals("HeunDiscreteScheduler") ? "heun" : "kdpm2");
            assertEquals(24, samplerCases.size(), sampler);
            for (JsonElement element : samplerCases) {
                JsonObject c = element.getAsJsonObject();
                String what = sampler + " " + c.get("spacing").getAsString() + " "
                        + c.get("steps").getAsInt() + " steps"
                        + (c.get("karras").getAsBoolean() ? " Karras" : "");
                var run = run(
                        "schedule",
                        "--scheduler",
                        sampler,
                        "--steps",
                        c.get("steps").getAsString(),
                        "--set",
                        "timestep_spacing=" + c.get("spacing").getAsString(),
                        "--set",
                        "use_karras_sigmas=" + c.get("karras").getAsBoolean(),
                        "--json");
                assertEquals(0, run.exitCode(), run.err());
                JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
                List<String> expectedKeys = new ArrayList<>(List.of("scheduler", "init_noise_sigma", "order"));
                expectedKeys.addAll(tables.get(sampler));
                assertEquals(Set.copyOf(expectedKeys), json.keySet(), what);
                for (String table : tables.get(sampler)) {
                    assertClose(c.getAsJsonArray(table), json.getAsJsonArray(table), what + " " + table);
                }
                double init = c.get("init_noise_sigma").getAsDouble();
                assertEquals(init, json.get("init_noise_sigma").getAsDouble(), init * 1e-5, what + " init_noise_sigma");
            }
        }
    }

    /** Equal lengths, NaN where expected, values within 1e-5 relative (torch versions accumulate alphas_cumprod differently). */
    private static void assertClose(JsonArray expected, JsonArray actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": length");
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i).getAsDouble();
            double a = actual.get(i).getAsDouble();
            assertEquals(Double.isNaN(e), Double.isNaN(a), what + " [" + i + "]: " + a);
            if (!Double.isNaN(e)) {
                assertEquals(e, a, Math.max(1e-6, Math.abs(e) * 1e-5), what + " [" + i + "]");
            }
        }
    }

    @Test
    void setOverridesUseDiffusersKeys() {
        JsonObject json = JsonParser.parseString(run(
                                "schedule",
                                "--scheduler",
                                "DDIM",
                                "--steps",
                                "10",
                                "--set",
                                "timestep_spacing=trailing",
                                "--json")
                        .out())
                .getAsJsonObject();
        assertEquals(999, json.getAsJsonArray("timesteps").get(0).getAsInt());
        assertEquals(99, json.getAsJsonArray("timesteps").get(9).getAsInt());
    }

    @Test
    void configFileAndModelFolder(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("scheduler_config.json");
        Files.writeString(
                config,
                "{\"_class_name\": \"EulerDiscreteScheduler\", \"num_train_timesteps\": 1000,"
                        + " \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012}");
        var run = run("schedule", "--config", config.toString(), "--steps", "4");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("EulerDiscreteScheduler"), run.out());
        assertTrue(run.out().contains("timesteps (4): 999, 666, 333, 0"), run.out());
        var missing = run("schedule", "--config", dir.resolve("nope.json").toString());
        assertEquals(Main.USER_ERROR, missing.exitCode());
        assertTrue(missing.err().startsWith("error: cannot read scheduler config"), missing.err());
    }

    @Test
    void listPrintsEveryName() {
        var run = run("schedule", "--list");
        assertEquals(0, run.exitCode());
        for (String name : Schedulers.names()) {
            assertTrue(run.out().lines().anyMatch(line -> line.startsWith(name)), name);
        }
        assertTrue(run.out().contains("DPM++ 2M Karras  ->  DPMSolverMultistepScheduler"), run.out());
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        var unknown = run("schedule", "--scheduler", "Euler z");
        assertEquals(Main.USER_ERROR, unknown.exitCode());
        assertTrue(unknown.err().startsWith("error: unknown scheduler 'Euler z'; known schedulers: "), unknown.err());
        var key = run("schedule", "--set", "karras=true");
        assertEquals(Main.USER_ERROR, key.exitCode());
        assertTrue(key.err().contains("unknown scheduler config key 'karras'"), key.err());
        var steps = run("schedule", "--steps", "1001");
        assertEquals(Main.USER_ERROR, steps.exitCode());
        assertTrue(steps.err().contains("found 1001"), steps.err());
        var type = run("schedule", "--set", "use_karras_sigmas=yes");
        assertEquals(Main.USER_ERROR, type.exitCode());
        assertTrue(
                type.err()
                        .startsWith("error: --set use_karras_sigmas=yes: 'use_karras_sigmas': expected true or false,"
                                + " found \"yes\""),
                type.err());
    }
}
