package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.ETA;
import static dev.torchsd.scheduler.ConfigKey.SET_ALPHA_TO_ONE;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * DDIM, "Denoising Diffusion Implicit Models" (Song et al. 2021), eq. 12: predict x0, then move to the
 * previous timestep along the predicted noise direction. {@code eta} (a torchsd per-request key, default 0)
 * adds eta * sigma_t of fresh noise (eta = 1 is DDPM-like); it draws from the request's generator only when
 * eta > 0, as diffusers does.
 */
final class DdimScheduler extends AlphaBarScheduler {
    static final String NAME = "DDIMScheduler";

    /**
     * DDIMScheduler's {@code __init__} keys with diffusers' defaults (betas 1e-4..0.02, leading spacing,
     * clip_sample and set_alpha_to_one on), plus torchsd's per-request {@code eta} (default 0, at least 0).
     */
    record Config(TrainingConfig training, Thresholding thresholding, boolean setAlphaToOne, double eta) {}

    static Config readConfig(SchedulerConfig c) {
        double eta = c.number(ETA, 0.0);
        if (eta < 0) {
            throw c.invalid(ETA, "a number >= 0");
        }
        return new Config(
                TrainingConfig.read(c, 0.0001, 0.02, Spacing.LEADING),
                Thresholding.read(c),
                c.flag(SET_ALPHA_TO_ONE, true),
                eta);
    }

    private final Thresholding thresholding;
    private final double finalAlphaBar;
    private final double eta;

    DdimScheduler(Config config, int steps) {
        super(NAME, config.training(), steps);
        thresholding = config.thresholding();
        finalAlphaBar = config.setAlphaToOne() ? 1.0 : schedule.alphaBar(0);
        eta = config.eta();
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
        return Tensors.scoped(() -> {
            Tensor x0;
            Tensor eps;
            switch (prediction) {
                case EPSILON -> {
                    x0 = TensorMath.divide(
                            TensorMath.plus(sample, -Math.sqrt(betaBar), modelOutput), Math.sqrt(alphaBar));
                    eps = modelOutput;
                }
                case SAMPLE -> {
                    x0 = modelOutput;
                    eps = TensorMath.divide(TensorMath.plus(sample, -Math.sqrt(alphaBar), x0), Math.sqrt(betaBar));
                }
                default -> {
                    x0 = TensorMath.combine(Math.sqrt(alphaBar), sample, -Math.sqrt(betaBar), modelOutput);
                    eps = TensorMath.combine(Math.sqrt(alphaBar), modelOutput, Math.sqrt(betaBar), sample);
                }
            }
            x0 = thresholding.apply(x0);
            Tensor direction = TensorMath.times(Math.sqrt(1 - alphaBarPrev - stdDev * stdDev), eps);
            Tensor previous = TensorMath.plus(direction, Math.sqrt(alphaBarPrev), x0);
            if (eta > 0) {
                previous = TensorMath.plus(previous, stdDev, TensorMath.randnLike(modelOutput, generator));
            }
            return previous;
        });
    }
}
