package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.ALGORITHM_TYPE;
import static dev.torchsd.scheduler.ConfigKey.FINAL_SIGMAS_TYPE;
import static dev.torchsd.scheduler.ConfigKey.LAMBDA_MIN_CLIPPED;
import static dev.torchsd.scheduler.ConfigKey.LOWER_ORDER_FINAL;
import static dev.torchsd.scheduler.ConfigKey.SOLVER_ORDER;
import static dev.torchsd.scheduler.ConfigKey.SOLVER_TYPE;
import static dev.torchsd.scheduler.ConfigKey.USE_BETA_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.USE_DYNAMIC_SHIFTING;
import static dev.torchsd.scheduler.ConfigKey.USE_EXPONENTIAL_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.USE_FLOW_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.USE_KARRAS_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.VARIANCE_TYPE;

/**
 * The keys the exponential-integrator solvers' {@code __init__} share (DPM-Solver multistep and
 * singlestep, UniPC), with diffusers' defaults: betas 1e-4..0.02, solver_order 2, lower_order_final on,
 * use_karras_sigmas off, final_sigmas_type zero, lambda_min_clipped -infinity, no thresholding.
 *
 * @param thresholding dynamic thresholding only (the solvers have no clip_sample)
 */
record SolverConfig(
        TrainingConfig training,
        Thresholding thresholding,
        int solverOrder,
        boolean lowerOrderFinal,
        boolean useKarrasSigmas,
        FinalSigmas finalSigmas,
        double lambdaMinClipped) {

    /**
     * Reads the keys; {@code spacing} is the scheduler's timestep_spacing default (null: it has no such key),
     * {@code maxOrder} the highest solver_order torchsd has for it.
     */
    static SolverConfig read(SchedulerConfig c, String scheduler, Spacing spacing, int maxOrder) {
        c.rejectTrue(USE_EXPONENTIAL_SIGMAS, USE_BETA_SIGMAS, USE_FLOW_SIGMAS, USE_DYNAMIC_SHIFTING);
        String variance = c.string(VARIANCE_TYPE, null);
        if ("learned".equals(variance) || "learned_range".equals(variance)) {
            throw c.invalid(
                    VARIANCE_TYPE, "a fixed variance for " + scheduler + " (learned variance is not supported)");
        }
        int order = c.integer(SOLVER_ORDER, 2);
        if (order < 1 || order > maxOrder) {
            throw c.invalid(SOLVER_ORDER, "an integer from 1 to " + maxOrder + " for " + scheduler);
        }
        return new SolverConfig(
                TrainingConfig.read(c, 0.0001, 0.02, spacing),
                Thresholding.dynamicOnly(c),
                order,
                c.flag(LOWER_ORDER_FINAL, true),
                c.flag(USE_KARRAS_SIGMAS, false),
                c.choice(FINAL_SIGMAS_TYPE, FinalSigmas.ZERO, null, FinalSigmas.values()),
                c.number(LAMBDA_MIN_CLIPPED, Double.NEGATIVE_INFINITY));
    }

    /**
     * DPM-Solver's algorithm_type: true for dpmsolver++ (data prediction; the default, and what diffusers
     * makes of deis), false for dpmsolver (noise prediction, which needs final_sigmas_type sigma_min).
     */
    boolean readDataPrediction(SchedulerConfig c, String scheduler) {
        String algorithm = c.oneOf(ALGORITHM_TYPE, "dpmsolver++", scheduler, "dpmsolver++", "dpmsolver", "deis");
        if (algorithm.equals("dpmsolver") && finalSigmas == FinalSigmas.ZERO) {
            throw c.invalid(
                    ALGORITHM_TYPE,
                    "dpmsolver++ for " + scheduler + " with final_sigmas_type zero"
                            + " (dpmsolver needs final_sigmas_type sigma_min)");
        }
        return !algorithm.equals("dpmsolver");
    }

    /** DPM-Solver's solver_type: true for midpoint (the default, and what diffusers makes of logrho, bh1, bh2), false for heun. */
    static boolean readMidpoint(SchedulerConfig c, String scheduler) {
        return !c.oneOf(SOLVER_TYPE, "midpoint", scheduler, "midpoint", "heun", "logrho", "bh1", "bh2")
                .equals("heun");
    }
}
