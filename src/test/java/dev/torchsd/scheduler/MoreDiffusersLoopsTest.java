package dev.torchsd.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.tensor.LibTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * diffusers' full-loop expectations for the schedulers the reference file's section 2 does not cover
 * (UniPC, KDPM2, DPM-Solver++ singlestep), from tests/schedulers/test_scheduler_unipc.py,
 * test_scheduler_kdpm2_discrete.py and test_scheduler_dpm_single.py, same recipe and tolerances.
 *
 * <p>The singlestep file we could read (diffusers commit 1f65fba) predates {@code final_sigmas_type}:
 * its scheduler ended at sigma_min with orders 1, 2, 1, 2, ... to the end. Current diffusers (and torchsd)
 * reach the same schedule with final_sigmas_type=sigma_min and lower_order_final=false, set below.
 */
class MoreDiffusersLoopsTest {

    private static final String UNIPC_BASE = """
            {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
             "solver_order": 2, "solver_type": "bh2", "final_sigmas_type": "sigma_min\"""";
    private static final String KDPM2_BASE = """
            {"num_train_timesteps": 1100, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear\"""";
    private static final String SINGLE_BASE = """
            {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
             "solver_order": 2, "prediction_type": "epsilon", "thresholding": false, "sample_max_value": 1.0,
             "algorithm_type": "dpmsolver++", "solver_type": "midpoint", "lambda_min_clipped": "-inf",
             "variance_type": null, "final_sigmas_type": "sigma_min", "lower_order_final": false""";

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    private static Scheduler create(String name, String base, String extra) {
        String json = base + (extra.isEmpty() ? "" : ", " + extra) + "}";
        return Schedulers.create(name, SchedulerConfig.parse(json, "test config"), 10);
    }

    private static DiffusersRecipe.Result solverLoop(String name, String base, String extra, int start) {
        return DiffusersRecipe.fullLoop(create(name, base, extra), false, false, start, 0);
    }

    @Test
    void uniPcNoNoise() {
        assertEquals(0.2464, solverLoop("UniPC", UNIPC_BASE, "", 0).mean(), 1e-3);
    }

    @Test
    void uniPcKarras() {
        assertEquals(
                0.2925,
                solverLoop("UniPC", UNIPC_BASE, "\"use_karras_sigmas\": true", 0)
                        .mean(),
                1e-3);
    }

    @Test
    void uniPcVPrediction() {
        assertEquals(
                0.1014,
                solverLoop("UniPC", UNIPC_BASE, "\"prediction_type\": \"v_prediction\"", 0)
                        .mean(),
                1e-3);
    }

    @Test
    void uniPcKarrasVPrediction() {
        assertEquals(
                0.1966,
                solverLoop("UniPC", UNIPC_BASE, "\"prediction_type\": \"v_prediction\", \"use_karras_sigmas\": true", 0)
                        .mean(),
                1e-3);
    }

    @Test
    void uniPcWithNoise() {
        DiffusersRecipe.Result result = solverLoop("UniPC", UNIPC_BASE, "", 8);
        assertEquals(315.5757, result.sum(), 1e-2);
        assertEquals(0.4109, result.mean(), 1e-3);
    }

    @Test
    void singlestepNoNoise() {
        assertEquals(
                0.2791,
                solverLoop("DPMSolverSinglestepScheduler", SINGLE_BASE, "", 0).mean(),
                1e-3);
    }

    @Test
    void singlestepVPrediction() {
        assertEquals(
                0.1453,
                solverLoop("DPMSolverSinglestepScheduler", SINGLE_BASE, "\"prediction_type\": \"v_prediction\"", 0)
                        .mean(),
                1e-3);
    }

    @Test
    void kdpm2NoNoise() {
        DiffusersRecipe.Result result = DiffusersRecipe.fullLoop(create("DPM2", KDPM2_BASE, ""), true, true, 0, 0);
        assertEquals(20.4125, result.sum(), 1e-2);
        assertEquals(0.0266, result.mean(), 1e-3);
    }

    @Test
    void kdpm2VPrediction() {
        DiffusersRecipe.Result result = DiffusersRecipe.fullLoop(
                create("DPM2", KDPM2_BASE, "\"prediction_type\": \"v_prediction\""), true, true, 0, 0);
        assertEquals(4.6934e-07, result.sum(), 1e-2);
        assertEquals(6.1112e-10, result.mean(), 1e-3);
    }

    @Test
    void kdpm2WithNoise() {
        DiffusersRecipe.Result result = DiffusersRecipe.fullLoop(create("DPM2", KDPM2_BASE, ""), true, true, 16, 0);
        assertEquals(70408.4062, result.sum(), 1e-2);
        assertEquals(91.6776, result.mean(), 1e-3);
    }
}
