package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.PREDICTION_TYPE;

import dev.torchsd.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * KDPM2 (k-diffusion's {@code sample_dpm_2}, AUTOMATIC1111's "DPM2"): a second-order step that
 * evaluates the model at the geometric midpoint sigma_mid = sqrt(sigma_i * sigma_{i+1}) and uses that
 * slope for the whole step. Loop indices alternate: even = at sigma_i (Euler to the midpoint),
 * odd = at the midpoint (full step from sigma_i). The timesteps are t0, t_mid1, t1, t_mid2, t2, ...
 *
 * <p>{@link #sigmas()} gives the noise level of the U-Net input at each index (s0, s_mid1, s1, ...,
 * then 0); {@link #diffusersSigmas()} gives diffusers' own {@code sigmas} and {@code sigmas_interpol},
 * which repeat each level and end padded with zeros.
 */
final class KDpm2DiscreteScheduler extends SigmaScheduler {
    static final String NAME = "KDPM2DiscreteScheduler";

    /**
     * KDPM2DiscreteScheduler's {@code __init__} keys with diffusers' defaults: betas 0.00085..0.012,
     * linspace spacing, use_karras_sigmas off; prediction_type epsilon or v_prediction.
     */
    static SigmaConfig readConfig(SchedulerConfig c) {
        SigmaConfig config = SigmaConfig.read(c, 0.00085, 0.012);
        c.choice(PREDICTION_TYPE, Prediction.EPSILON, NAME, Prediction.EPSILON, Prediction.V_PREDICTION);
        return config;
    }

    /** sigma_{j} (j = 0..N, the last 0) and midpoints mid_j between sigma_{j-1} and sigma_j (mid_0 unused). */
    private final double[] levels;

    private final double[] midpoints;
    private Tensor firstSample;

    KDpm2DiscreteScheduler(SigmaConfig config, int steps) {
        super(NAME, config, steps);
        levels = stepSigmas;
        // unlike Euler, LMS and Heun, diffusers' KDPM2 rounds the timesteps of Karras sigmas
        double[] levelTimesteps = config.useKarrasSigmas() ? NumPy.round(stepTimesteps) : stepTimesteps;
        int n = levelTimesteps.length;
        midpoints = new double[n + 1];
        double[] logSigmas = schedule.logSigmas();
        double[] midTimesteps = new double[n + 1];
        for (int j = 1; j <= n; j++) {
            // exp(lerp(log s_j, log s_{j-1}, 0.5)) in float32; 0 when s_j is 0
            midpoints[j] = levels[j] == 0
                    ? 0.0
                    : (float) Math.exp((Math.log((float) levels[j]) + Math.log((float) levels[j - 1])) / 2);
            midTimesteps[j] = (float) Sigmas.toTimestep(midpoints[j], logSigmas);
        }
        timesteps = new double[2 * n - 1];
        sigmas = new double[2 * n];
        timesteps[0] = levelTimesteps[0];
        sigmas[0] = levels[0];
        for (int j = 1; j < n; j++) {
            timesteps[2 * j - 1] = midTimesteps[j];
            timesteps[2 * j] = levelTimesteps[j];
            sigmas[2 * j - 1] = midpoints[j];
            sigmas[2 * j] = levels[j];
        }
        sigmas[2 * n - 1] = 0.0;
    }

    /**
     * diffusers' {@code sigmas} and {@code sigmas_interpol}: over sigma_0..sigma_N (the last 0), resp. the
     * midpoints, {@code cat(s[:1], s[1:].repeat_interleave(2), s[-1:])}, 2N + 2 values. The first
     * interpolated value is NaN, as torch's lerp of log sigma_0 and log 0 gives.
     */
    @Override
    public Map<String, double[]> diffusersSigmas() {
        double[] interpolated = midpoints.clone();
        interpolated[0] = Double.NaN;
        Map<String, double[]> tables = new LinkedHashMap<>();
        tables.put("sigmas", repeatInterleaved(levels));
        tables.put("sigmas_interpol", repeatInterleaved(interpolated));
        return tables;
    }

    /** The first value once, each further value twice, the last value once more. */
    private static double[] repeatInterleaved(double[] values) {
        int n = values.length;
        double[] result = new double[2 * n];
        result[0] = values[0];
        for (int j = 1; j < n; j++) {
            result[2 * j - 1] = values[j];
            result[2 * j] = values[j];
        }
        result[2 * n - 1] = values[n - 1];
        return result;
    }

    @Override
    public int order() {
        return 2;
    }

    /** diffusers' init_noise_sigma: the largest sigma of its table, which is sigma_0. */
    @Override
    public double initNoiseSigma() {
        double max = Sigmas.max(levels);
        return spacing == Spacing.LEADING ? Math.sqrt(max * max + 1) : max;
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int index) {
        checkIndex(index);
        // diffusers looks the timestep up in its interleaved table, which holds sigma_j at both 2j-1 and 2j
        double sigma = levels[(index + 1) / 2];
        return Tensors.scoped(() -> TensorMath.plus(original, sigma, noise));
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        int j = (index + 1) / 2;
        boolean firstHalf = index % 2 == 0;
        return Tensors.scoped(() -> {
            if (firstHalf) {
                double sigma = levels[j];
                double sigmaMid = midpoints[j + 1];
                Tensor x0 = predictOriginal(modelOutput, sample, sigma);
                Tensor derivative = TensorMath.divide(sample.sub(x0), sigma);
                firstSample = Tensors.drop(firstSample);
                firstSample = Tensors.keepShared(sample);
                return TensorMath.plus(sample, sigmaMid - sigma, derivative);
            }
            if (firstSample == null) {
                throw new IllegalStateException(NAME + ": the midpoint step at index " + index
                        + " needs the first half at index " + (index - 1) + " first");
            }
            double sigmaHat = levels[j - 1];
            double sigmaMid = midpoints[j];
            double sigmaNext = levels[j];
            Tensor x0 = predictOriginal(modelOutput, sample, sigmaMid);
            Tensor derivative = TensorMath.divide(sample.sub(x0), sigmaMid);
            Tensor previous = TensorMath.plus(firstSample, sigmaNext - sigmaHat, derivative);
            firstSample = Tensors.drop(firstSample);
            return previous;
        });
    }

    @Override
    public void close() {
        firstSample = Tensors.drop(firstSample);
    }
}
