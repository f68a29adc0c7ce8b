package dev.torchsd.scheduler;

import org.bytedeco.pytorch.Tensor;

/**
 * The Karras-style ("k-diffusion") samplers: Euler, Euler a, LMS, Heun, KDPM2. They work on
 * x = x0 + sigma * eps, so the latents start at sigma_max and the U-Net input is scaled by
 * 1 / sqrt(sigma^2 + 1) to look like the variance-preserving x_t it was trained on.
 */
abstract class SigmaScheduler extends BaseScheduler {
    protected final TrainingSchedule schedule;
    protected final Prediction prediction;
    protected final Spacing spacing;
    /** The per-step noise levels, one per inference step plus the final one (diffusers before interleaving). */
    protected final double[] stepSigmas;
    /** The per-step timesteps, one per inference step. */
    protected final double[] stepTimesteps;

    protected SigmaScheduler(String name, SchedulerConfig config, int steps, double defaultBetaStart,
                             double defaultBetaEnd, boolean karrasSupported, boolean finalSigmaConfigurable) {
        // finalSigmaConfigurable: EulerDiscreteScheduler's extra keys (final_sigmas_type, sigma_min, sigma_max)
        super(name, config, steps);
        schedule = TrainingSchedule.of(config, name, defaultBetaStart, defaultBetaEnd);
        prediction = Prediction.of(config, name);
        spacing = Spacing.of(config, Spacing.LINSPACE, name);
        rejectUnsupported(config, name);
        double[] t = spacing.floatTimesteps(schedule.trainSteps, steps, config.integer("steps_offset", 0));
        double[] sigmas = Sigmas.atTimesteps(t, schedule.sigmas());
        if (karrasSupported && config.flag("use_karras_sigmas", false)) {
            // only EulerDiscreteScheduler has sigma_min / sigma_max config keys in diffusers
            double sigmaMin = finalSigmaConfigurable ? config.number("sigma_min", sigmas[sigmas.length - 1])
                    : sigmas[sigmas.length - 1];
            double sigmaMax = finalSigmaConfigurable ? config.number("sigma_max", sigmas[0]) : sigmas[0];
            sigmas = Sigmas.karras(sigmaMin, sigmaMax, steps);
            t = NumPy.toFloat32(Sigmas.toTimesteps(sigmas, schedule.logSigmas(), false));
        }
        double last = 0.0;
        if (finalSigmaConfigurable) {
            String finalType = config.string("final_sigmas_type", "zero");
            if (finalType.equals("sigma_min")) {
                float a = schedule.alphasCumprod[0];
                last = Math.sqrt((1 - (double) a) / a);
            } else if (!finalType.equals("zero")) {
                throw new SchedulerException(name + ": final_sigmas_type '" + finalType
                        + "' is not supported; expected zero or sigma_min");
            }
        }
        stepTimesteps = t;
        stepSigmas = Sigmas.float32(Sigmas.append(sigmas, last));
    }

    private static void rejectUnsupported(SchedulerConfig config, String name) {
        for (String key : new String[] {"use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas"}) {
            if (config.flag(key, false)) {
                throw new SchedulerException(name + ": " + key + "=true is not supported by torchsd");
            }
        }
        String interpolation = config.string("interpolation_type", "linear");
        if (!interpolation.equals("linear")) {
            throw new SchedulerException(name + ": interpolation_type '" + interpolation
                    + "' is not supported; expected linear");
        }
        String timestepType = config.string("timestep_type", "discrete");
        if (!timestepType.equals("discrete")) {
            throw new SchedulerException(name + ": timestep_type '" + timestepType
                    + "' is not supported; expected discrete");
        }
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
        return Tensors.inOwnScope(() -> Tensors.divide(sample, Math.sqrt(sigma * sigma + 1)));
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int index) {
        checkIndex(index);
        return Tensors.inOwnScope(() -> Tensors.plus(original, sigmas[index], noise));
    }

    /** The denoised estimate x0 from the model output at noise level sigma. */
    protected Tensor predictOriginal(Tensor modelOutput, Tensor sample, double sigma) {
        return switch (prediction) {
            case EPSILON -> Tensors.plus(sample, -sigma, modelOutput);
            case V_PREDICTION -> Tensors.combine(-sigma / Math.sqrt(sigma * sigma + 1), modelOutput,
                    1 / (sigma * sigma + 1), sample);
            case SAMPLE -> modelOutput.alias();
        };
    }
}
