package dev.torchsd.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.tensor.LibTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every expected number of diffusers' scheduler "full loop" tests (reference:
 * shared/reference/diffusers_scheduler_tests.md, section 2), with the tests' own tolerances.
 */
class DiffusersFullLoopTest {

    private static final String DDIM_BASE = """
            {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
             "clip_sample": true""";
    private static final String PNDM_BASE = """
            {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear\"""";
    private static final String K_BASE = """
            {"num_train_timesteps": 1100, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear\"""";
    private static final String DPM_BASE = """
            {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
             "solver_order": 2, "prediction_type": "epsilon", "thresholding": false, "sample_max_value": 1.0,
             "algorithm_type": "dpmsolver++", "solver_type": "midpoint", "lower_order_final": false,
             "euler_at_final": false, "lambda_min_clipped": -Infinity, "variance_type": null,
             "final_sigmas_type": "sigma_min\"""";

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    private static Scheduler create(String name, String base, String extra) {
        String json = base + (extra.isEmpty() ? "" : ", " + extra) + "}";
        return Schedulers.create(name, SchedulerConfig.parse(json, "test config"), 10);
    }

    private static void expect(
            DiffusersRecipe.Result result, double sum, double sumTolerance, double mean, double meanTolerance) {
        assertEquals(sum, result.sum(), sumTolerance, "sum of |sample|");
        assertEquals(mean, result.mean(), meanTolerance, "mean of |sample|");
    }

    private static void expectMean(DiffusersRecipe.Result result, double mean) {
        assertEquals(mean, result.mean(), 1e-3, "mean of |sample|");
    }

    private static DiffusersRecipe.Result alphaBarLoop(String name, String base, String extra, int start) {
        return DiffusersRecipe.fullLoop(create(name, base, extra), false, false, start, 0);
    }

    private static DiffusersRecipe.Result kLoop(String name, String extra, int start) {
        return DiffusersRecipe.fullLoop(create(name, K_BASE, extra), true, true, start, 0);
    }

    private static DiffusersRecipe.Result dpmLoop(String extra, int start) {
        return DiffusersRecipe.fullLoop(create("DPMSolverMultistepScheduler", DPM_BASE, extra), false, false, start, 0);
    }

    // DDIM

    @Test
    void ddimNoNoise() {
        expect(alphaBarLoop("DDIMScheduler", DDIM_BASE, "", 0), 172.0067, 1e-2, 0.223967, 1e-3);
    }

    @Test
    void ddimVPrediction() {
        expect(
                alphaBarLoop("DDIMScheduler", DDIM_BASE, "\"prediction_type\": \"v_prediction\"", 0),
                52.5302,
                1e-2,
                0.0684,
                1e-3);
    }

    @Test
    void ddimSetAlphaToOne() {
        expect(
                alphaBarLoop("DDIMScheduler", DDIM_BASE, "\"set_alpha_to_one\": true, \"beta_start\": 0.01", 0),
                149.8295,
                1e-2,
                0.1951,
                1e-3);
    }

    @Test
    void ddimNoSetAlphaToOne() {
        expect(
                alphaBarLoop("DDIMScheduler", DDIM_BASE, "\"set_alpha_to_one\": false, \"beta_start\": 0.01", 0),
                149.0784,
                1e-2,
                0.1941,
                1e-3);
    }

    @Test
    void ddimWithNoise() {
        expect(alphaBarLoop("DDIMScheduler", DDIM_BASE, "", 8), 354.5418, 1e-2, 0.4616, 1e-3);
    }

    @Test
    void ddimVariance() {
        DdimScheduler ddim = (DdimScheduler) create("DDIMScheduler", DDIM_BASE, "");
        assertEquals(0.0, ddim.variance(0, 0), 1e-5);
        assertEquals(0.14771, ddim.variance(420, 400), 1e-5);
        assertEquals(0.32460, ddim.variance(980, 960), 1e-5);
        assertEquals(0.00979, ddim.variance(487, 486), 1e-5);
        assertEquals(0.02, ddim.variance(999, 998), 1e-5);
    }

    // PNDM: PRK warm-up (skip_prk_steps false) then PLMS

    @Test
    void pndmNoNoise() {
        expect(alphaBarLoop("PNDMScheduler", PNDM_BASE, "", 0), 198.1318, 1e-2, 0.2580, 1e-3);
    }

    @Test
    void pndmVPrediction() {
        expect(
                alphaBarLoop("PNDMScheduler", PNDM_BASE, "\"prediction_type\": \"v_prediction\"", 0),
                67.3986,
                1e-2,
                0.0878,
                1e-3);
    }

    @Test
    void pndmSetAlphaToOne() {
        expect(
                alphaBarLoop("PNDMScheduler", PNDM_BASE, "\"set_alpha_to_one\": true, \"beta_start\": 0.01", 0),
                230.0399,
                1e-2,
                0.2995,
                1e-3);
    }

    @Test
    void pndmNoSetAlphaToOne() {
        expect(
                alphaBarLoop("PNDMScheduler", PNDM_BASE, "\"set_alpha_to_one\": false, \"beta_start\": 0.01", 0),
                186.9482,
                1e-2,
                0.2434,
                1e-3);
    }

    // Euler

    @Test
    void eulerNoNoise() {
        expect(kLoop("EulerDiscreteScheduler", "", 0), 10.0807, 1e-2, 0.0131, 1e-3);
    }

    @Test
    void eulerVPrediction() {
        expect(
                kLoop("EulerDiscreteScheduler", "\"prediction_type\": \"v_prediction\"", 0),
                0.0002,
                1e-2,
                2.2676e-06,
                1e-3);
    }

    @Test
    void eulerKarras() {
        expect(
                kLoop("EulerDiscreteScheduler", "\"use_karras_sigmas\": true", 0),
                124.52299499511719,
                1e-2,
                0.16213932633399963,
                1e-3);
    }

    @Test
    void eulerWithNoise() {
        expect(kLoop("EulerDiscreteScheduler", "", 8), 57062.9297, 1e-2, 74.3007, 1e-3);
    }

    // Euler Ancestral: torch's CPU generator, seed 0

    @Test
    void eulerAncestralNoNoise() {
        expect(kLoop("EulerAncestralDiscreteScheduler", "", 0), 152.3192, 1e-2, 0.1983, 1e-3);
    }

    @Test
    void eulerAncestralVPrediction() {
        expect(
                kLoop("EulerAncestralDiscreteScheduler", "\"prediction_type\": \"v_prediction\"", 0),
                108.4439,
                1e-2,
                0.1412,
                1e-3);
    }

    @Test
    void eulerAncestralWithNoise() {
        expect(kLoop("EulerAncestralDiscreteScheduler", "", 8), 56163.0508, 1e-2, 73.1290, 1e-3);
    }

    // LMS

    @Test
    void lmsNoNoise() {
        expect(kLoop("LMSDiscreteScheduler", "", 0), 1006.388, 1e-2, 1.31, 1e-3);
    }

    @Test
    void lmsVPrediction() {
        expect(
                kLoop("LMSDiscreteScheduler", "\"prediction_type\": \"v_prediction\"", 0),
                0.0017,
                1e-2,
                2.2676e-06,
                1e-3);
    }

    @Test
    void lmsKarras() {
        expect(kLoop("LMSDiscreteScheduler", "\"use_karras_sigmas\": true", 0), 3812.9927, 2e-2, 4.9648, 1e-3);
    }

    @Test
    void lmsWithNoise() {
        expect(kLoop("LMSDiscreteScheduler", "", 8), 27663.6895, 1e-2, 36.0204, 1e-3);
    }

    // Heun: 19 model calls for 10 steps

    @Test
    void heunNoNoise() {
        expect(kLoop("HeunDiscreteScheduler", "", 0), 0.1233, 1e-2, 0.0002, 1e-3);
    }

    @Test
    void heunVPrediction() {
        expect(
                kLoop("HeunDiscreteScheduler", "\"prediction_type\": \"v_prediction\"", 0),
                4.6934e-07,
                1e-2,
                6.1112e-10,
                1e-3);
    }

    @Test
    void heunKarras() {
        expect(
                kLoop("HeunDiscreteScheduler", "\"use_karras_sigmas\": true", 0),
                0.00015,
                1e-2,
                1.9869554535034695e-07,
                1e-2);
    }

    @Test
    void heunWithNoise() {
        expect(kLoop("HeunDiscreteScheduler", "", 16), 75074.8906, 1e-2, 97.7538, 1e-3);
    }

    // DPM-Solver++ multistep

    @Test
    void dpmNoNoise() {
        expectMean(dpmLoop("", 0), 0.3301);
    }

    @Test
    void dpmWithNoise() {
        expect(dpmLoop("", 5), 318.4111, 1e-2, 0.4146, 1e-3);
    }

    @Test
    void dpmThresholding() {
        expectMean(
                dpmLoop("\"thresholding\": true, \"dynamic_thresholding_ratio\": 0.87, \"sample_max_value\": 0.5", 0),
                1.1364);
    }

    @Test
    void dpmVPrediction() {
        expectMean(dpmLoop("\"prediction_type\": \"v_prediction\"", 0), 0.2251);
    }

    @Test
    void dpmKarrasVPrediction() {
        expectMean(dpmLoop("\"prediction_type\": \"v_prediction\", \"use_karras_sigmas\": true", 0), 0.2096);
    }

    @Test
    void dpmLuLambdasVPrediction() {
        expectMean(dpmLoop("\"prediction_type\": \"v_prediction\", \"use_lu_lambdas\": true", 0), 0.1554);
    }

    /** diffusers' test_switch: a config carrying other schedulers' keys gives DPM the same result. */
    @Test
    void dpmFromConfigWithOtherSchedulersKeys() {
        expectMean(
                dpmLoop(
                        "\"skip_prk_steps\": true, \"predict_x0\": true, \"disable_corrector\": [], "
                                + "\"clip_sample\": true, \"set_alpha_to_one\": false, \"steps_offset\": 0",
                        0),
                0.3301);
    }
}
