package dev.torchsd.scheduler;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * KDPM2 (k-diffusion's {@code sample_dpm_2}, AUTOMATIC1111's "DPM2"): a second-order step that
 * evaluates the model at the geometric midpoint sigma_mid = sqrt(sigma_i * sigma_{i+1}) and uses that
 * slope for the whole step. Loop indices alternate: even = at sigma_i (Euler to the midpoint),
 * odd = at the midpoint (full step from sigma_i). The timesteps are t0, t_mid1, t1, t_mid2, t2, ...
 *
 * <p>{@link #sigmas()} gives the noise level of the U-Net input at each index (s0, s_mid1, s1, ...,
 * then 0), not diffusers' padded internal table.
 */
final class KDpm2DiscreteScheduler extends SigmaScheduler {
    static final String NAME = "KDPM2DiscreteScheduler";

    /** sigma_{j} (j = 0..N, the last 0) and midpoints mid_j between sigma_{j-1} and sigma_j (mid_0 unused). */
    private final double[] levels;
    private final double[] midpoints;
    private Tensor firstSample;

    KDpm2DiscreteScheduler(SchedulerConfig config, int steps) {
        super(NAME, config, steps, 0.00085, 0.012, true, false);
        if (prediction == Prediction.SAMPLE) {
            throw new SchedulerException(NAME + ": prediction_type 'sample' is not supported; expected epsilon or v_prediction");
        }
        levels = stepSigmas;
        int n = stepTimesteps.length;
        midpoints = new double[n + 1];
        double[] logSigmas = schedule.logSigmas();
        double[] midTimesteps = new double[n + 1];
        for (int j = 1; j <= n; j++) {
            // exp(lerp(log s_j, log s_{j-1}, 0.5)) in float32; 0 when s_j is 0
            midpoints[j] = levels[j] == 0 ? 0.0
                    : (float) Math.exp((Math.log((float) levels[j]) + Math.log((float) levels[j - 1])) / 2);
            midTimesteps[j] = (float) Sigmas.toTimestep(midpoints[j], logSigmas);
        }
        timesteps = new double[2 * n - 1];
        sigmas = new double[2 * n];
        timesteps[0] = stepTimesteps[0];
        sigmas[0] = levels[0];
        for (int j = 1; j < n; j++) {
            timesteps[2 * j - 1] = midTimesteps[j];
            timesteps[2 * j] = stepTimesteps[j];
            sigmas[2 * j - 1] = midpoints[j];
            sigmas[2 * j] = levels[j];
        }
        sigmas[2 * n - 1] = 0.0;
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
        return Tensors.inOwnScope(() -> Tensors.plus(original, sigma, noise));
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        int j = (index + 1) / 2;
        boolean firstHalf = index % 2 == 0;
        return Tensors.inOwnScope(() -> {
            if (firstHalf) {
                double sigma = levels[j];
                double sigmaMid = midpoints[j + 1];
                Tensor x0 = predictOriginal(modelOutput, sample, sigma);
                Tensor derivative = Tensors.divide(sample.sub(x0), sigma);
                firstSample = Tensors.drop(firstSample);
                firstSample = Tensors.keepShared(sample);
                return Tensors.plus(sample, sigmaMid - sigma, derivative);
            }
            if (firstSample == null) {
                throw new IllegalStateException(NAME + ": the midpoint step at index " + index
                        + " needs the first half at index " + (index - 1) + " first");
            }
            double sigmaHat = levels[j - 1];
            double sigmaMid = midpoints[j];
            double sigmaNext = levels[j];
            Tensor x0 = predictOriginal(modelOutput, sample, sigmaMid);
            Tensor derivative = Tensors.divide(sample.sub(x0), sigmaMid);
            Tensor previous = Tensors.plus(firstSample, sigmaNext - sigmaHat, derivative);
            firstSample = Tensors.drop(firstSample);
            return previous;
        });
    }

    @Override
    public void close() {
        firstSample = Tensors.drop(firstSample);
    }
}
