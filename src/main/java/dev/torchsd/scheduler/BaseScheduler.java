package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * What every sampler shares: its name, the training schedule and prediction type, the timestep and
 * sigma tables fixed at construction, the index check, and the default input scaling (none). Subclasses add the step math; each reads its config
 * record (the keys of its diffusers {@code __init__}) in a static {@code readConfig(SchedulerConfig)}.
 */
abstract class BaseScheduler implements Scheduler {
    private final String name;
    protected final int steps;
    /** The training noise schedule (alphas_cumprod) of the config. */
    protected final TrainingSchedule schedule;

    protected final Prediction prediction;
    protected double[] timesteps;
    protected double[] sigmas;

    protected BaseScheduler(String name, TrainingConfig training, int steps) {
        this.name = name;
        int trainSteps = training.trainSteps();
        if (steps < 1 || steps > trainSteps) {
            throw new SchedulerException(name + ": the number of steps must be between 1 and num_train_timesteps ("
                    + trainSteps + "), found " + steps);
        }
        this.steps = steps;
        schedule = TrainingSchedule.of(training);
        prediction = training.predictionType();
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
        return Tensors.scoped(sample::alias);
    }

    @Override
    public void close() {}

    protected void checkIndex(int index) {
        if (index < 0 || index >= timesteps.length) {
            throw new IndexOutOfBoundsException(
                    name + ": step index " + index + " outside 0.." + (timesteps.length - 1));
        }
    }
}
