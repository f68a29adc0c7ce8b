package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.VARIANCE_TYPE;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * DDPM, "Denoising Diffusion Probabilistic Models" (Ho et al. 2020): ancestral sampling from the
 * posterior q(x_{t-1} | x_t, x0) (eq. 7), with a fresh Gaussian draw from the request's generator at
 * every step whose timestep is above 0. {@code variance_type}: fixed_small (default), fixed_small_log
 * (the same values) or fixed_large.
 */
final class DdpmScheduler extends AlphaBarScheduler {
    static final String NAME = "DDPMScheduler";

    /**
     * DDPMScheduler's {@code __init__} keys with diffusers' defaults (betas 1e-4..0.02, leading spacing,
     * clip_sample on, variance_type fixed_small).
     */
    record Config(TrainingConfig training, Thresholding thresholding, String varianceType) {}

    static Config readConfig(SchedulerConfig c) {
        return new Config(
                TrainingConfig.read(c, 0.0001, 0.02, Spacing.LEADING),
                Thresholding.read(c),
                c.oneOf(VARIANCE_TYPE, "fixed_small", NAME, "fixed_small", "fixed_small_log", "fixed_large"));
    }

    private final Thresholding thresholding;
    private final String varianceType;

    DdpmScheduler(Config config, int steps) {
        super(NAME, config.training(), steps);
        thresholding = config.thresholding();
        varianceType = config.varianceType();
    }

    private double alphaBarOrOne(int t) {
        return t >= 0 ? schedule.alphaBar(t) : 1.0;
    }

    /** The standard deviation of the added noise at timestep t. */
    double noiseStd(int t) {
        double alphaBar = schedule.alphaBar(t);
        double alphaBarPrev = alphaBarOrOne(t - stepRatio);
        double beta = 1 - alphaBar / alphaBarPrev;
        double posterior = Math.max((1 - alphaBarPrev) / (1 - alphaBar) * beta, 1e-20);
        return switch (varianceType) {
            case "fixed_small", "fixed_small_log" -> Math.sqrt(posterior);
            default -> Math.sqrt(beta);
        };
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        int t = timestepAt(index);
        double alphaBar = schedule.alphaBar(t);
        double alphaBarPrev = alphaBarOrOne(t - stepRatio);
        double betaBar = 1 - alphaBar;
        double betaBarPrev = 1 - alphaBarPrev;
        double alpha = alphaBar / alphaBarPrev;
        double beta = 1 - alpha;
        return Tensors.scoped(() -> {
            Tensor x0 = switch (prediction) {
                case EPSILON ->
                    TensorMath.divide(TensorMath.plus(sample, -Math.sqrt(betaBar), modelOutput), Math.sqrt(alphaBar));
                case SAMPLE -> modelOutput;
                case V_PREDICTION -> TensorMath.combine(Math.sqrt(alphaBar), sample, -Math.sqrt(betaBar), modelOutput);
            };
            x0 = thresholding.apply(x0);
            Tensor previous = TensorMath.combine(
                    Math.sqrt(alphaBarPrev) * beta / betaBar, x0, Math.sqrt(alpha) * betaBarPrev / betaBar, sample);
            if (t > 0) {
                previous = TensorMath.plus(previous, noiseStd(t), TensorMath.randnLike(modelOutput, generator));
            }
            return previous;
        });
    }
}
