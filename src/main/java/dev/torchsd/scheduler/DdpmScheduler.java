package dev.torchsd.scheduler;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * DDPM, "Denoising Diffusion Probabilistic Models" (Ho et al. 2020): ancestral sampling from the
 * posterior q(x_{t-1} | x_t, x0) (eq. 7), with a fresh Gaussian draw from the request's generator at
 * every step whose timestep is above 0. {@code variance_type}: fixed_small (default), fixed_small_log
 * (the same values) or fixed_large.
 */
final class DdpmScheduler extends BaseScheduler {
    static final String NAME = "DDPMScheduler";

    private final TrainingSchedule schedule;
    private final Prediction prediction;
    private final Thresholding thresholding;
    private final String varianceType;
    private final int stepRatio;

    DdpmScheduler(SchedulerConfig config, int steps) {
        super(NAME, config, steps);
        schedule = TrainingSchedule.of(config, NAME, 0.0001, 0.02);
        prediction = Prediction.of(config, NAME);
        thresholding = new Thresholding(config, true);
        varianceType = config.string("variance_type", "fixed_small");
        if (!java.util.List.of("fixed_small", "fixed_small_log", "fixed_large").contains(varianceType)) {
            throw new SchedulerException(NAME + ": variance_type '" + varianceType
                    + "' is not supported; expected fixed_small, fixed_small_log or fixed_large");
        }
        stepRatio = schedule.trainSteps / steps;
        Spacing spacing = Spacing.of(config, Spacing.LEADING, NAME);
        timesteps = spacing.integerTimesteps(schedule.trainSteps, steps, config.integer("steps_offset", 0));
        checkTimestepRange(schedule.trainSteps);
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
        return Tensors.inOwnScope(() -> {
            Tensor x0 = switch (prediction) {
                case EPSILON -> Tensors.divide(Tensors.plus(sample, -Math.sqrt(betaBar), modelOutput), Math.sqrt(alphaBar));
                case SAMPLE -> modelOutput;
                case V_PREDICTION -> Tensors.combine(Math.sqrt(alphaBar), sample, -Math.sqrt(betaBar), modelOutput);
            };
            x0 = thresholding.apply(x0);
            Tensor previous = Tensors.combine(Math.sqrt(alphaBarPrev) * beta / betaBar, x0,
                    Math.sqrt(alpha) * betaBarPrev / betaBar, sample);
            if (t > 0) {
                previous = Tensors.plus(previous, noiseStd(t), Tensors.randnLike(modelOutput, generator));
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
