package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The Karras-style ("k-diffusion") samplers: Euler, Euler a, LMS, Heun, KDPM2. They work on
 * x = x0 + sigma * eps, so the latents start at sigma_max and the U-Net input is scaled by
 * 1 / sqrt(sigma^2 + 1) to look like the variance-preserving x_t it was trained on.
 */
abstract class SigmaScheduler extends BaseScheduler {
    protected final Spacing spacing;
    /** The per-step noise levels, one per inference step plus the final one (diffusers before interleaving). */
    protected final double[] stepSigmas;
    /** The per-step timesteps, one per inference step. */
    protected final double[] stepTimesteps;

    protected SigmaScheduler(String name, SigmaConfig config, int steps) {
        super(name, config.training(), steps);
        TrainingConfig training = config.training();
        spacing = training.timestepSpacing();
        double[] t = spacing.floatTimesteps(schedule.trainSteps, steps, training.stepsOffset());
        double[] sigmas = Sigmas.atTimesteps(t, schedule.sigmas());
        if (config.useKarrasSigmas()) {
            double sigmaMin = config.sigmaMin() != null ? config.sigmaMin() : sigmas[sigmas.length - 1];
            double sigmaMax = config.sigmaMax() != null ? config.sigmaMax() : sigmas[0];
            sigmas = Sigmas.karras(sigmaMin, sigmaMax, steps);
            t = NumPy.toFloat32(Sigmas.toTimesteps(sigmas, schedule.logSigmas(), false));
        }
        stepTimesteps = t;
        stepSigmas = Sigmas.float32(Sigmas.append(sigmas, config.finalSigmas().value(schedule)));
    }

    /** sigma_max for linspace/trailing spacing, sqrt(sigma_max^2 + 1) for leading (diffusers' convention). */
    @Override
    public double initNoiseSigma() {
        double max = Sigmas.max(sigmas);
        return spacing == Spacing.LEADING ? Math.sqrt(max * max + 1) : max;
    }

    /** The noise level of the sample the U-Net sees at loop index {@code index}. */
    protected double inputSigma(int index) {
        return sigmas[index];
    }

    @Override
    public Tensor scaleModelInput(Tensor sample, int index) {
        checkIndex(index);
        double sigma = inputSigma(index);
        return Tensors.scoped(() -> TensorMath.divide(sample, Math.sqrt(sigma * sigma + 1)));
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int index) {
        checkIndex(index);
        return Tensors.scoped(() -> TensorMath.plus(original, sigmas[index], noise));
    }

    /** The denoised estimate x0 from the model output at noise level sigma. */
    protected Tensor predictOriginal(Tensor modelOutput, Tensor sample, double sigma) {
        return switch (prediction) {
            case EPSILON -> TensorMath.plus(sample, -sigma, modelOutput);
            case V_PREDICTION ->
                TensorMath.combine(-sigma / Math.sqrt(sigma * sigma + 1), modelOutput, 1 / (sigma * sigma + 1), sample);
            case SAMPLE -> modelOutput.alias();
        };
    }
}
