package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * Euler Ancestral ("Euler a"): each step goes down to sigma_down with Euler's method and adds fresh noise
 * of size sigma_up, where sigma_down^2 + sigma_up^2 = sigma_next^2 (k-diffusion's ancestral step, eta = 1).
 * One Gaussian draw per step from the request's generator, also on the last step, as diffusers does.
 */
final class EulerAncestralDiscreteScheduler extends SigmaScheduler {
    static final String NAME = "EulerAncestralDiscreteScheduler";

    /**
     * EulerAncestralDiscreteScheduler's {@code __init__} keys with diffusers' defaults: betas 1e-4..0.02,
     * linspace spacing; it has no use_karras_sigmas.
     */
    static SigmaConfig readConfig(SchedulerConfig c) {
        return new SigmaConfig(SigmaConfig.training(c, 0.0001, 0.02), false, null, null, FinalSigmas.ZERO);
    }

    EulerAncestralDiscreteScheduler(SigmaConfig config, int steps) {
        super(NAME, config, steps);
        timesteps = stepTimesteps;
        sigmas = stepSigmas;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        double sigmaFrom = sigmas[index];
        double sigmaTo = sigmas[index + 1];
        double sigmaUp =
                Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom));
        double sigmaDown = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        return Tensors.scoped(() -> {
            Tensor x0 = predictOriginal(modelOutput, sample, sigmaFrom);
            Tensor derivative = TensorMath.divide(sample.sub(x0), sigmaFrom);
            Tensor previous = TensorMath.plus(sample, sigmaDown - sigmaFrom, derivative);
            Tensor noise = TensorMath.randnLike(modelOutput, generator);
            return TensorMath.plus(previous, sigmaUp, noise);
        });
    }
}
