package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.FINAL_SIGMAS_TYPE;
import static dev.torchsd.scheduler.ConfigKey.SIGMA_MAX;
import static dev.torchsd.scheduler.ConfigKey.SIGMA_MIN;
import static dev.torchsd.scheduler.ConfigKey.USE_KARRAS_SIGMAS;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * Euler's method on the probability-flow ODE dx/dsigma = (x - x0) / sigma (Karras et al. 2022,
 * Algorithm 2 without churn). Deterministic; first order.
 */
final class EulerDiscreteScheduler extends SigmaScheduler {
    static final String NAME = "EulerDiscreteScheduler";

    /**
     * EulerDiscreteScheduler's {@code __init__} keys with diffusers' defaults: betas 1e-4..0.02, linspace
     * spacing, use_karras_sigmas off, sigma_min and sigma_max from the table, final_sigmas_type zero.
     */
    static SigmaConfig readConfig(SchedulerConfig c) {
        return new SigmaConfig(
                SigmaConfig.training(c, 0.0001, 0.02),
                c.flag(USE_KARRAS_SIGMAS, false),
                c.number(SIGMA_MIN),
                c.number(SIGMA_MAX),
                c.choice(FINAL_SIGMAS_TYPE, FinalSigmas.ZERO, null, FinalSigmas.values()));
    }

    EulerDiscreteScheduler(SigmaConfig config, int steps) {
        super(NAME, config, steps);
        timesteps = stepTimesteps;
        sigmas = stepSigmas;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        double sigma = sigmas[index];
        double dt = sigmas[index + 1] - sigma;
        return Tensors.scoped(() -> {
            Tensor x0 = predictOriginal(modelOutput, sample, sigma);
            Tensor derivative = TensorMath.divide(sample.sub(x0), sigma);
            return TensorMath.plus(sample, dt, derivative);
        });
    }
}
