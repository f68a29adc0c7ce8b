package dev.torchsd.scheduler;

import dev.torchsd.tensor.LibTorch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The noise schedule the model was trained with: betas and their cumulative product of (1 - beta),
 * {@code alphas_cumprod}, in float32.
 *
 * <p>diffusers builds these with torch in float32 ({@code torch.linspace}, {@code torch.cumprod}); we use
 * the same libtorch operations so the table is bit-identical, then do all further host math in double.
 */
public final class TrainingSchedule {
    static {
        LibTorch.ensureLoaded();
    }

    final int trainSteps;
    /** alphas_cumprod[t] for t in 0 until trainSteps, float32 values. */
    final float[] alphasCumprod;

    private TrainingSchedule(float[] alphasCumprod) {
        this.trainSteps = alphasCumprod.length;
        this.alphasCumprod = alphasCumprod;
    }

    /** The table the training keys describe. */
    static TrainingSchedule of(TrainingConfig training) {
        int trainSteps = training.trainSteps();
        double betaStart = training.betaStart();
        double betaEnd = training.betaEnd();
        try (PointerScope scope = new PointerScope()) {
            TensorOptions float32 = new TensorOptions(torch.ScalarType.Float);
            Tensor betas;
            if (training.trainedBetas() != null) {
                betas = Tensor.create(toFloats(training.trainedBetas()), trainSteps);
            } else {
                betas = switch (training.betaSchedule()) {
                    case "linear" -> torch.linspace(new Scalar(betaStart), new Scalar(betaEnd), trainSteps, float32);
                    case "scaled_linear" ->
                        torch.linspace(
                                        new Scalar(Math.sqrt(betaStart)),
                                        new Scalar(Math.sqrt(betaEnd)),
                                        trainSteps,
                                        float32)
                                .pow(new Scalar(2));
                    case "squaredcos_cap_v2" -> Tensor.create(toFloats(cosineBetas(trainSteps)), trainSteps);
                    default -> throw new IllegalArgumentException("beta_schedule " + training.betaSchedule());
                };
            }
            Tensor alphasCumprod =
                    torch.cumprod(betas.neg().add(new Scalar(1.0)), 0).contiguous();
            float[] values = new float[trainSteps];
            alphasCumprod.data_ptr_float().get(values);
            return new TrainingSchedule(values);
        }
    }

    /**
     * The schedule a model's scheduler config describes, with diffusers' common beta defaults
     * (1e-4 .. 0.02); for looking inside a generation (e.g. the trace's predicted clean image).
     */
    public static TrainingSchedule fromConfig(SchedulerConfig config) {
        return of(TrainingConfig.read(config, 1e-4, 0.02, null));
    }

    /** alphas_cumprod at a (possibly fractional) timestep, linearly interpolated, clamped to the table. */
    /** The training schedule's timesteps ({@code num_train_timesteps}). */
    public int trainSteps() {
        return trainSteps;
    }

    public double alphaBarAt(double timestep) {
        double t = Math.max(0, Math.min(trainSteps - 1, timestep));
        int low = (int) Math.floor(t);
        int high = Math.min(low + 1, trainSteps - 1);
        double w = t - low;
        return (1 - w) * alphasCumprod[low] + w * alphasCumprod[high];
    }

    /** Glide's cosine schedule: betas from alpha_bar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2, capped at 0.999. */
    private static double[] cosineBetas(int trainSteps) {
        double[] betas = new double[trainSteps];
        for (int i = 0; i < trainSteps; i++) {
            double t1 = (double) i / trainSteps;
            double t2 = (double) (i + 1) / trainSteps;
            betas[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    /** alphas_cumprod[t] as a double. */
    double alphaBar(int t) {
        return alphasCumprod[t];
    }

    /**
     * The Karras-style noise levels sigma(t) = sqrt((1 - alpha_bar) / alpha_bar), computed in float32 as
     * diffusers does (numpy on the float32 table).
     */
    float[] sigmas() {
        float[] sigmas = new float[trainSteps];
        for (int t = 0; t < trainSteps; t++) {
            float a = alphasCumprod[t];
            sigmas[t] = (float) Math.sqrt((1f - a) / a);
        }
        return sigmas;
    }

    /** log of {@link #sigmas()}, float32 as in diffusers. */
    double[] logSigmas() {
        float[] sigmas = sigmas();
        double[] logs = new double[trainSteps];
        for (int t = 0; t < trainSteps; t++) {
            logs[t] = (float) Math.log(sigmas[t]);
        }
        return logs;
    }
}
