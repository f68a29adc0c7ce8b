package dev.torchsd.scheduler;

import org.bytedeco.pytorch.Tensor;

/**
 * What every sampler shares: its name, the timestep and sigma tables fixed at construction, the index
 * check, and the default input scaling (none). Subclasses add the step math.
 */
abstract class BaseScheduler implements Scheduler {
    private final String name;
    protected final int steps;
    protected double[] timesteps;
    protected double[] sigmas;

    protected BaseScheduler(String name, SchedulerConfig config, int steps) {
        this.name = name;
        int trainSteps = config.numbers("trained_betas") != null
                ? config.numbers("trained_betas").length : config.integer("num_train_timesteps", 1000);
        if (steps < 1 || steps > trainSteps) {
            throw new SchedulerException(name + ": the number of steps must be between 1 and num_train_timesteps ("
                    + trainSteps + "), found " + steps);
        }
        this.steps = steps;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public double[] sigmas() {
        return sigmas == null ? null : sigmas.clone();
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public int order() {
        return 1;
    }

    @Override
    public Tensor scaleModelInput(Tensor sample, int index) {
        checkIndex(index);
        return Tensors.inOwnScope(sample::alias);
    }

    @Override
    public void close() {
    }

    protected void checkIndex(int index) {
        if (index < 0 || index >= timesteps.length) {
            throw new IndexOutOfBoundsException(name + ": step index " + index + " outside 0.." + (timesteps.length - 1));
        }
    }

    /**
     * Rejects timesteps outside the training table: leading spacing with steps_offset can push the
     * largest one to num_train_timesteps (diffusers then fails with an IndexError).
     */
    protected void checkTimestepRange(int trainSteps) {
        for (double t : timesteps) {
            if (t < 0 || t >= trainSteps) {
                throw new SchedulerException(name + ": " + steps + " steps give timestep " + (long) t
                        + ", outside 0.." + (trainSteps - 1) + " (steps_offset too large for this many steps); use fewer"
                        + " steps or another timestep_spacing");
            }
        }
    }

    /** The integer training timestep at loop index {@code index} (for alpha_bar lookups). */
    protected int timestepAt(int index) {
        return (int) timesteps[index];
    }
}
