package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.INTERPOLATION_TYPE;
import static dev.torchsd.scheduler.ConfigKey.TIMESTEP_TYPE;
import static dev.torchsd.scheduler.ConfigKey.USE_BETA_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.USE_EXPONENTIAL_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.USE_FLOW_SIGMAS;
import static dev.torchsd.scheduler.ConfigKey.USE_KARRAS_SIGMAS;

/**
 * The noise-level keys of the k-diffusion samplers' {@code __init__} (Euler, Euler a, LMS, Heun, KDPM2).
 * Each sampler reads the ones it has; the others keep diffusers' behaviour for a sampler without them.
 *
 * @param useKarrasSigmas {@code use_karras_sigmas} (Euler a has no such key: false)
 * @param sigmaMin the low end of the Karras range, or null for the table's (only Euler has the key)
 * @param sigmaMax the high end of the Karras range, or null for the table's (only Euler has the key)
 * @param finalSigmas the noise level after the last step (only Euler has the key; zero otherwise)
 */
record SigmaConfig(
        TrainingConfig training, boolean useKarrasSigmas, Double sigmaMin, Double sigmaMax, FinalSigmas finalSigmas) {

    /** The keys LMS, Heun and KDPM2 have: the training keys and use_karras_sigmas. */
    static SigmaConfig read(SchedulerConfig c, double betaStart, double betaEnd) {
        return new SigmaConfig(
                training(c, betaStart, betaEnd), c.flag(USE_KARRAS_SIGMAS, false), null, null, FinalSigmas.ZERO);
    }

    /**
     * The training keys with these samplers' linspace spacing; the noise schedules and interpolations
     * torchsd does not have are errors.
     */
    static TrainingConfig training(SchedulerConfig c, double betaStart, double betaEnd) {
        c.rejectTrue(USE_EXPONENTIAL_SIGMAS, USE_BETA_SIGMAS, USE_FLOW_SIGMAS);
        c.oneOf(INTERPOLATION_TYPE, "linear", null, "linear");
        c.oneOf(TIMESTEP_TYPE, "discrete", null, "discrete");
        return TrainingConfig.read(c, betaStart, betaEnd, Spacing.LINSPACE);
    }
}
