package dev.torchsd.scheduler;

import dev.torchsd.tensor.LibTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals("cfg.json: scheduler config key 'steps_offset' expects an integer, found string \"one\"", message);
        message = error(() -> SchedulerConfig.parse("{\"use_karras_sigmas\": 1}", "cfg.json"));
        assertTrue(message.contains("expects true or false, found number 1"), message);
        message = error(() -> SchedulerConfig.empty().with("beta_start", "small"));
        assertTrue(message.contains("expected a number, found 'small'"), message);
        message = error(() -> SchedulerConfig.empty().with("num_train_timesteps", "10.5"));
        assertTrue(message.contains("expects an integer"), message);
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
        assertTrue(message.contains("Euler a") && message.contains("DPM++ 2M Karras") && message.contains("UniPC"), message);
    }

    @Test
    void stepsOutOfRange() {
        assertTrue(error(() -> Schedulers.create("DDIM", SchedulerConfig.sd15(), 0))
                .contains("between 1 and num_train_timesteps (1000), found 0"));
        assertTrue(error(() -> Schedulers.create("Euler", SchedulerConfig.sd15(), 1001)).contains("found 1001"));
    }

    @Test
    void unsupportedValuesAreErrors() {
        assertTrue(error(() -> Schedulers.create("DDIM", SchedulerConfig.empty().with("beta_schedule", "sigmoid"), 10))
                .contains("beta_schedule 'sigmoid' is not supported"));
        assertTrue(error(() -> Schedulers.create("Euler", SchedulerConfig.empty().with("timestep_spacing", "even"), 10))
                .contains("timestep_spacing 'even' is not supported"));
        assertTrue(error(() -> Schedulers.create("DDIM", SchedulerConfig.empty().with("prediction_type", "flow"), 10))
                .contains("prediction_type 'flow' is not supported"));
        assertTrue(error(() -> Schedulers.create("UniPC", SchedulerConfig.empty().with("solver_type", "bh3"), 10))
                .contains("solver_type 'bh3'"));
    }

    /** One manifest serves every scheduler: keys of other schedulers are accepted and ignored. */
    @Test
    void otherSchedulersKeysAreIgnored() {
        SchedulerConfig config = SchedulerConfig.sd15().with("solver_order", "3").with("predict_x0", "false");
        try (Scheduler pndm = Schedulers.create("PLMS", config, 50)) {
            assertEquals(51, pndm.timesteps().length);
        }
    }

    @Test
    void overridesRoundTripThroughJson() {
        SchedulerConfig config = SchedulerConfig.sd15().with("use_karras_sigmas", "True").with("trained_betas", "null");
        assertEquals(true, config.flag("use_karras_sigmas", false));
        assertEquals("PNDMScheduler", config.toJson().get("_class_name").getAsString());
        assertEquals(config.toJson(), SchedulerConfig.fromJson(config.toJson(), "again").toJson());
    }
}
