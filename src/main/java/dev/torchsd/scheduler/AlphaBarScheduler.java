package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The alpha_bar samplers (DDIM, DDPM, PNDM): integer timesteps on the training table, spread by
 * timestep_spacing, T // N apart; noise is added as x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps.
 */
abstract class AlphaBarScheduler extends BaseScheduler {
    /** T // N: how far a step moves down the training timesteps. */
    protected final int stepRatio;

    /** Sets the spaced timesteps (descending), which a subclass may rearrange, and checks their range. */
    protected AlphaBarScheduler(String name, TrainingConfig training, int steps) {
        super(name, training, steps);
        stepRatio = schedule.trainSteps / steps;
        timesteps = training.timestepSpacing().integerTimesteps(schedule.trainSteps, steps, training.stepsOffset());
        checkTimestepRange();
    }

    /**
     * Rejects timesteps outside the training table: leading spacing with steps_offset can push the
     * largest one to num_train_timesteps (diffusers then fails with an IndexError).
     */
    protected void checkTimestepRange() {
        int trainSteps = schedule.trainSteps;
        for (double t : timesteps) {
            if (t < 0 || t >= trainSteps) {
                throw new SchedulerException(name() + ": " + steps + " steps give timestep " + (long) t
                        + ", outside 0.." + (trainSteps - 1)
                        + " (steps_offset too large for this many steps); use fewer"
                        + " steps or another timestep_spacing");
            }
        }
    }

    /** The integer training timestep at loop index {@code index} (for alpha_bar lookups). */
    protected int timestepAt(int index) {
        return (int) timesteps[index];
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int index) {
        checkIndex(index);
        double alphaBar = schedule.alphaBar(timestepAt(index));
        return Tensors.scoped(() -> TensorMath.combine(Math.sqrt(alphaBar), original, Math.sqrt(1 - alphaBar), noise));
    }
}
