package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.BETA_END;
import static dev.torchsd.scheduler.ConfigKey.BETA_SCHEDULE;
import static dev.torchsd.scheduler.ConfigKey.BETA_START;
import static dev.torchsd.scheduler.ConfigKey.NUM_TRAIN_TIMESTEPS;
import static dev.torchsd.scheduler.ConfigKey.PREDICTION_TYPE;
import static dev.torchsd.scheduler.ConfigKey.RESCALE_BETAS_ZERO_SNR;
import static dev.torchsd.scheduler.ConfigKey.STEPS_OFFSET;
import static dev.torchsd.scheduler.ConfigKey.TIMESTEP_SPACING;
import static dev.torchsd.scheduler.ConfigKey.TRAINED_BETAS;

/**
 * The keys every diffusers scheduler's {@code __init__} starts with: the noise schedule the model was
 * trained with, what the model predicts, and how the inference timesteps are spread over the training
 * ones. diffusers' defaults for the beta range and the spacing differ between schedulers, so each
 * scheduler passes its own to {@link #read}.
 *
 * @param trainedBetas the betas themselves (then the beta range and schedule are not used), or null
 * @param betaSchedule linear, scaled_linear or squaredcos_cap_v2
 * @param timestepSpacing null for a scheduler without the key (DPM-Solver singlestep: always linspace)
 */
record TrainingConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        double[] trainedBetas,
        Prediction predictionType,
        Spacing timestepSpacing,
        int stepsOffset) {

    /**
     * Reads the keys with the given scheduler's defaults for beta_start, beta_end and timestep_spacing
     * ({@code spacing} null: the scheduler has no timestep_spacing key); num_train_timesteps 1000,
     * beta_schedule linear, prediction_type epsilon and steps_offset 0 are every scheduler's defaults.
     */
    static TrainingConfig read(SchedulerConfig c, double betaStart, double betaEnd, Spacing spacing) {
        c.rejectTrue(RESCALE_BETAS_ZERO_SNR);
        double[] trained = c.numbers(TRAINED_BETAS);
        int numTrainTimesteps = c.integer(NUM_TRAIN_TIMESTEPS, 1000);
        String schedule = c.string(BETA_SCHEDULE, "linear");
        if (trained != null) {
            if (trained.length < 2) {
                throw c.invalid(TRAINED_BETAS, "a list of at least 2 betas");
            }
        } else {
            if (numTrainTimesteps < 2) {
                throw c.invalid(NUM_TRAIN_TIMESTEPS, "an integer >= 2");
            }
            c.oneOf(BETA_SCHEDULE, "linear", null, "linear", "scaled_linear", "squaredcos_cap_v2");
        }
        return new TrainingConfig(
                numTrainTimesteps,
                c.number(BETA_START, betaStart),
                c.number(BETA_END, betaEnd),
                schedule,
                trained,
                c.choice(PREDICTION_TYPE, Prediction.EPSILON, null, Prediction.values()),
                spacing == null ? null : c.choice(TIMESTEP_SPACING, spacing, null, Spacing.values()),
                c.integer(STEPS_OFFSET, 0));
    }

    /** The number of training timesteps: the length of trained_betas when given, else num_train_timesteps. */
    int trainSteps() {
        return trainedBetas != null ? trainedBetas.length : numTrainTimesteps;
    }
}
