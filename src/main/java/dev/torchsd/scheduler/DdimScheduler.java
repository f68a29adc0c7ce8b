package dev.torchsd.scheduler;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * DDIM, "Denoising Diffusion Implicit Models" (Song et al. 2021), eq. 12: predict x0, then move to the
 * previous timestep along the predicted noise direction. {@code eta} (a torchsd per-request key, default 0)
 * adds eta * sigma_t of fresh noise (eta = 1 is DDPM-like); it draws from the request's generator only when
 * eta > 0, as diffusers does.
 */
final class DdimScheduler extends BaseScheduler {
    static final String NAME = "DDIMScheduler";

    private final TrainingSchedule schedule;
    private final Prediction prediction;
    private final Thresholding thresholding;
    private final double finalAlphaBar;
    private final int stepRatio;
    private final double eta;

    DdimScheduler(SchedulerConfig config, int steps) {
        super(NAME, config, steps);
        schedule = TrainingSchedule.of(config, NAME, 0.0001, 0.02);
        prediction = Prediction.of(config, NAME);
        thresholding = new Thresholding(config, true);
        finalAlphaBar = config.flag("set_alpha_to_one", true) ? 1.0 : schedule.alphaBar(0);
        stepRatio = schedule.trainSteps / steps;
        eta = config.number("eta", 0.0);
        if (eta < 0) {
            throw new SchedulerException(NAME + ": eta must be >= 0, found " + eta);
        }
        Spacing spacing = Spacing.of(config, Spacing.LEADING, NAME);
        timesteps = spacing.integerTimesteps(schedule.trainSteps, steps, config.integer("steps_offset", 0));
        checkTimestepRange(schedule.trainSteps);
    }

    /** sigma_t^2 of the DDIM paper (eq. 16) for eta = 1: (1 - a_prev) / (1 - a) * (1 - a / a_prev). */
    double variance(int timestep, int prevTimestep) {
        double alphaBar = schedule.alphaBar(timestep);
        double alphaBarPrev = prevTimestep >= 0 ? schedule.alphaBar(prevTimestep) : finalAlphaBar;
        return (1 - alphaBarPrev) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrev);
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        int timestep = timestepAt(index);
        int prevTimestep = timestep - stepRatio;
        double alphaBar = schedule.alphaBar(timestep);
        double alphaBarPrev = prevTimestep >= 0 ? schedule.alphaBar(prevTimestep) : finalAlphaBar;
        double betaBar = 1 - alphaBar;
        double stdDev = eta * Math.sqrt(variance(timestep, prevTimestep));
        return Tensors.inOwnScope(() -> {
            Tensor x0;
            Tensor eps;
            switch (prediction) {
                case EPSILON -> {
                    x0 = Tensors.divide(Tensors.plus(sample, -Math.sqrt(betaBar), modelOutput), Math.sqrt(alphaBar));
                    eps = modelOutput;
                }
                case SAMPLE -> {
                    x0 = modelOutput;
                    eps = Tensors.divide(Tensors.plus(sample, -Math.sqrt(alphaBar), x0), Math.sqrt(betaBar));
                }
                default -> {
                    x0 = Tensors.combine(Math.sqrt(alphaBar), sample, -Math.sqrt(betaBar), modelOutput);
                    eps = Tensors.combine(Math.sqrt(alphaBar), modelOutput, Math.sqrt(betaBar), sample);
                }
            }
            x0 = thresholding.apply(x0);
            Tensor direction = Tensors.times(Math.sqrt(1 - alphaBarPrev - stdDev * stdDev), eps);
            Tensor previous = Tensors.plus(direction, Math.sqrt(alphaBarPrev), x0);
            if (eta > 0) {
                previous = Tensors.plus(previous, stdDev, Tensors.randnLike(modelOutput, generator));
            }
            return previous;
        });
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int index) {
        checkIndex(index);
        double alphaBar = schedule.alphaBar(timestepAt(index));
        return Tensors.inOwnScope(() -> Tensors.combine(Math.sqrt(alphaBar), original, Math.sqrt(1 - alphaBar), noise));
    }
}
