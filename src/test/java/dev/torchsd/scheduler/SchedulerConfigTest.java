package dev.torchsd.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.tensor.LibTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Config parsing, names and the clear errors for bad input. */
class SchedulerConfigTest {

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    private static String error(Runnable action) {
        return assertThrows(SchedulerException.class, action::run).getMessage();
    }

    @Test
    void unknownKeyIsAnErrorNamingTheKeyAndSource() {
        String message = error(() -> SchedulerConfig.parse("{\"beta_strat\": 0.1}", "model.json scheduler"));
        assertTrue(message.startsWith("model.json scheduler: unknown scheduler config key 'beta_strat'"), message);
        assertTrue(message.contains("beta_start"), message);
    }

    @Test
    void wrongTypeNamesExpectedAndFound() {
        String message = error(() -> SchedulerConfig.parse("{\"steps_offset\": \"one\"}", "cfg.json"));
        assertEquals("cfg.json: 'steps_offset': expected an integer, found \"one\"", message);
        message = error(() -> SchedulerConfig.parse("{\"use_karras_sigmas\": 1}", "cfg.json"));
        assertTrue(message.contains("'use_karras_sigmas': expected true or false, found 1"), message);
        message = error(() -> SchedulerConfig.empty().with("beta_start", "small"));
        assertTrue(message.contains("expected a number, found \"small\""), message);
        message = error(() -> SchedulerConfig.empty().with("num_train_timesteps", "10.5"));
        assertTrue(message.contains("expected an integer"), message);
    }

    /**
     * Range and choice errors, found when a scheduler reads its keys, name where the value came from as
     * well; the library's own wording mentions no command-line flag, a caller may name its own source.
     */
    @Test
    void valueErrorsNameSourceKeyExpectedAndFound() {
        SchedulerConfig manifest = SchedulerConfig.parse("{\"solver_order\": 4, \"eta\": -1}", "model.json scheduler");
        assertEquals(
                "model.json scheduler: 'solver_order': expected an integer from 1 to 3 for"
                        + " DPMSolverMultistepScheduler, found 4",
                error(() -> Schedulers.create("DPMSolverMultistepScheduler", manifest, 10)));
        assertEquals(
                "model.json scheduler: 'eta': expected a number >= 0, found -1",
                error(() -> Schedulers.create("DDIM", manifest, 10)));
        String override = error(() -> Schedulers.create("Euler", manifest.with("use_beta_sigmas", "true"), 10));
        assertEquals(
                "scheduler config override: 'use_beta_sigmas': expected false (true is not supported by torchsd),"
                        + " found true",
                override);
        String text = error(() -> SchedulerConfig.empty().with("use_karras_sigmas", "yes"));
        assertEquals("scheduler config override: 'use_karras_sigmas': expected true or false, found \"yes\"", text);
        assertTrue(error(() -> SchedulerConfig.empty().with("use_karras_sigmas", "yes", "request 7"))
                .startsWith("request 7: 'use_karras_sigmas'"));
        assertEquals(
                "model.json scheduler: 'prediction_type': expected epsilon or v_prediction for PNDMScheduler,"
                        + " found \"sample\"",
                error(() -> Schedulers.create(
                        "PLMS",
                        SchedulerConfig.parse("{\"prediction_type\": \"sample\"}", "model.json scheduler"),
                        10)));
    }

    @Test
    void notJsonOrNotAnObject() {
        assertTrue(error(() -> SchedulerConfig.parse("{", "a.json")).startsWith("a.json: not valid JSON"));
        assertTrue(error(() -> SchedulerConfig.parse("[1]", "a.json")).contains("expected a JSON object"));
    }

    @Test
    void metadataKeysAreIgnoredButClassNameIsTheDefault() {
        SchedulerConfig config = SchedulerConfig.parse(
                "{\"_class_name\": \"EulerDiscreteScheduler\", \"_diffusers_version\": \"0.21.0\"}", "x");
        try (Scheduler scheduler = Schedulers.create(null, config, 10)) {
            assertEquals("EulerDiscreteScheduler", scheduler.name());
        }
        try (Scheduler scheduler = Schedulers.create(null, SchedulerConfig.empty(), 10)) {
            assertEquals("PNDMScheduler", scheduler.name());
        }
    }

    @Test
    void namesAreCaseInsensitiveAndAutomatic1111NamesFixValues() {
        try (Scheduler scheduler = Schedulers.create("EULER A", SchedulerConfig.sd15(), 10)) {
            assertEquals("EulerAncestralDiscreteScheduler", scheduler.name());
        }
        try (Scheduler karras = Schedulers.create("dpm++ 2m karras", SchedulerConfig.sd15(), 10);
                Scheduler plain = Schedulers.create("DPM++ 2M", SchedulerConfig.sd15(), 10)) {
            assertEquals("DPMSolverMultistepScheduler", karras.name());
            assertTrue(karras.sigmas()[1] != plain.sigmas()[1], "Karras changes the sigmas");
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        String message = error(() -> Schedulers.create("Euler b", SchedulerConfig.sd15(), 10));
        assertTrue(message.startsWith("unknown scheduler 'Euler b'; known schedulers: "), message);
        assertTrue(
                message.contains("Euler a") && message.contains("DPM++ 2M Karras") && message.contains("UniPC"),
                message);
    }

    @Test
    void stepsOutOfRange() {
        assertTrue(error(() -> Schedulers.create("DDIM", SchedulerConfig.sd15(), 0))
                .contains("between 1 and num_train_timesteps (1000), found 0"));
        assertTrue(error(() -> Schedulers.create("Euler", SchedulerConfig.sd15(), 1001))
                .contains("found 1001"));
    }

    @Test
    void unsupportedValuesAreErrors() {
        assertTrue(error(() -> Schedulers.create("DDIM", SchedulerConfig.empty().with("beta_schedule", "sigmoid"), 10))
                .contains("'beta_schedule': expected linear, scaled_linear or squaredcos_cap_v2, found \"sigmoid\""));
        assertTrue(error(
                        () -> Schedulers.create("Euler", SchedulerConfig.empty().with("timestep_spacing", "even"), 10))
                .contains("'timestep_spacing': expected leading, linspace or trailing, found \"even\""));
        assertTrue(error(() -> Schedulers.create("DDIM", SchedulerConfig.empty().with("prediction_type", "flow"), 10))
                .contains("'prediction_type': expected epsilon, v_prediction or sample, found \"flow\""));
        assertTrue(error(
                        () -> Schedulers.create("UniPC", SchedulerConfig.empty().with("solver_type", "bh3"), 10))
                .contains("'solver_type': expected bh1, bh2, midpoint, heun or logrho for UniPCMultistepScheduler,"
                        + " found \"bh3\""));
    }

    /** One manifest serves every scheduler: keys of other schedulers are accepted and ignored. */
    @Test
    void otherSchedulersKeysAreIgnored() {
        SchedulerConfig config =
                SchedulerConfig.sd15().with("solver_order", "3").with("predict_x0", "false");
        try (Scheduler pndm = Schedulers.create("PLMS", config, 50)) {
            assertEquals(51, pndm.timesteps().length);
        }
    }

    @Test
    void overridesRoundTripThroughJson() {
        SchedulerConfig config =
                SchedulerConfig.sd15().with("use_karras_sigmas", "True").with("trained_betas", "null");
        assertEquals(true, config.flag(ConfigKey.USE_KARRAS_SIGMAS, false));
        assertEquals("PNDMScheduler", config.toJson().get("_class_name").getAsString());
        assertEquals(
                config.toJson(),
                SchedulerConfig.fromJson(config.toJson(), "again").toJson());
    }
}
