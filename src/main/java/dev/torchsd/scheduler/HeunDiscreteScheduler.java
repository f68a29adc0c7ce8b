package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * Heun's method (Karras et al. 2022, Algorithm 1): an Euler step to sigma_{i+1}, then a second model
 * call there and the average of both slopes. Two U-Net calls per step, so N steps give 2N - 1 timesteps:
 * t0, t1, t1, t2, t2, ... (the last step is a plain Euler step to sigma = 0). Even loop indices are
 * the first (Euler) halves, odd indices the corrections.
 */
final class HeunDiscreteScheduler extends SigmaScheduler {
    static final String NAME = "HeunDiscreteScheduler";

    /**
     * HeunDiscreteScheduler's {@code __init__} keys with diffusers' defaults: betas 0.00085..0.012, linspace
     * spacing, use_karras_sigmas and clip_sample off.
     */
    record Config(SigmaConfig sigmas, Thresholding clipping) {}

    static Config readConfig(SchedulerConfig c) {
        return new Config(SigmaConfig.read(c, 0.00085, 0.012), Thresholding.clipOnly(c));
    }

    private final Thresholding clipping;
    private Tensor firstSample;
    private Tensor firstDerivative;
    private double firstDt;

    HeunDiscreteScheduler(Config config, int steps) {
        super(NAME, config.sigmas(), steps);
        clipping = config.clipping();
        int n = stepTimesteps.length;
        timesteps = new double[2 * n - 1];
        sigmas = new double[2 * n];
        timesteps[0] = stepTimesteps[0];
        sigmas[0] = stepSigmas[0];
        for (int i = 1; i < n; i++) {
            timesteps[2 * i - 1] = stepTimesteps[i];
            timesteps[2 * i] = stepTimesteps[i];
            sigmas[2 * i - 1] = stepSigmas[i];
            sigmas[2 * i] = stepSigmas[i];
        }
        sigmas[2 * n - 1] = stepSigmas[n];
    }

    @Override
    public int order() {
        return 2;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        boolean firstHalf = index % 2 == 0;
        return Tensors.scoped(() -> {
            if (firstHalf) {
                double sigma = sigmas[index];
                double sigmaNext = sigmas[index + 1];
                Tensor x0 = clipping.apply(predictOriginal(modelOutput, sample, sigma));
                Tensor derivative = TensorMath.divide(sample.sub(x0), sigma);
                double dt = sigmaNext - sigma;
                release();
                firstDerivative = Tensors.keep(derivative);
                firstSample = Tensors.keepShared(sample);
                firstDt = dt;
                return TensorMath.plus(sample, dt, derivative);
            }
            if (firstSample == null) {
                throw new IllegalStateException(NAME + ": the correction at index " + index
                        + " needs the Euler half at index " + (index - 1) + " first");
            }
            double sigmaNext = sigmas[index];
            Tensor x0 = clipping.apply(predictOriginal(modelOutput, sample, sigmaNext));
            Tensor derivative = TensorMath.divide(sample.sub(x0), sigmaNext);
            Tensor average = TensorMath.divide(firstDerivative.add(derivative), 2);
            Tensor previous = TensorMath.plus(firstSample, firstDt, average);
            release();
            return previous;
        });
    }

    private void release() {
        firstSample = Tensors.drop(firstSample);
        firstDerivative = Tensors.drop(firstDerivative);
    }

    @Override
    public void close() {
        release();
    }
}
