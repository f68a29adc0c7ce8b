package dev.torchsd.scheduler;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * Euler's method on the probability-flow ODE dx/dsigma = (x - x0) / sigma (Karras et al. 2022,
 * Algorithm 2 without churn). Deterministic; first order.
 */
final class EulerDiscreteScheduler extends SigmaScheduler {
    static final String NAME = "EulerDiscreteScheduler";

    EulerDiscreteScheduler(SchedulerConfig config, int steps) {
        super(NAME, config, steps, 0.0001, 0.02, true, true);
        timesteps = stepTimesteps;
        sigmas = stepSigmas;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        double sigma = sigmas[index];
        double dt = sigmas[index + 1] - sigma;
        return Tensors.inOwnScope(() -> {
            Tensor x0 = predictOriginal(modelOutput, sample, sigma);
            Tensor derivative = Tensors.divide(sample.sub(x0), sigma);
            return Tensors.plus(sample, dt, derivative);
        });
    }
}
