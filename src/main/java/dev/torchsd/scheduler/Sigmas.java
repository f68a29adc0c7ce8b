package dev.torchsd.scheduler;

/**
 * Noise-level (sigma) schedules of the Karras-style samplers: interpolating the training table at
 * fractional timesteps, the Karras et al. (2022) rho=7 schedule, and the inverse map sigma -> timestep.
 */
final class Sigmas {
    /** The exponent of Karras et al.'s schedule ("Elucidating the Design Space...", eq. 5). */
    private static final double RHO = 7.0;

    private Sigmas() {}

    /** sigma(t) at each (possibly fractional) timestep, interpolated linearly in the training table. */
    static double[] atTimesteps(double[] timesteps, float[] table) {
        double[] sigmas = new double[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            sigmas[i] = NumPy.interp(timesteps[i], table);
        }
        return sigmas;
    }

    /** Karras sigmas: n values from sigmaMax down to sigmaMin, evenly spaced in sigma^(1/rho). */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double[] ramp = NumPy.linspace(0, 1, n);
        double minInvRho = Math.pow(sigmaMin, 1 / RHO);
        double maxInvRho = Math.pow(sigmaMax, 1 / RHO);
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            sigmas[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), RHO);
        }
        return sigmas;
    }

    /**
     * The fractional timestep whose sigma is {@code sigma}: linear interpolation of log sigma between the
     * two neighbouring training timesteps (diffusers' {@code _sigma_to_t}).
     */
    static double toTimestep(double sigma, double[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigmas[i] <= logSigma) {
                low = i;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        int high = low + 1;
        double w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]);
        w = Math.max(0, Math.min(1, w));
        return (1 - w) * low + w * high;
    }

    static double[] toTimesteps(double[] sigmas, double[] logSigmas, boolean round) {
        double[] t = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            t[i] = toTimestep(sigmas[i], logSigmas);
            if (round) {
                t[i] = Math.rint(t[i]);
            }
        }
        return t;
    }

    static double max(double[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (double value : values) {
            max = Math.max(max, value);
        }
        return max;
    }

    /** Each value rounded to float32, as diffusers stores sigmas in a float32 tensor. */
    static double[] float32(double[] values) {
        return NumPy.toFloat32(values);
    }

    /** values followed by one more. */
    static double[] append(double[] values, double last) {
        double[] result = java.util.Arrays.copyOf(values, values.length + 1);
        result[values.length] = last;
        return result;
    }
}
