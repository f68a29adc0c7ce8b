package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The exponential-integrator solvers (DPM-Solver, DPM-Solver++, UniPC). They work in the
 * variance-preserving parametrisation x_t = alpha_t x0 + sigma_t eps, with the half log-SNR
 * lambda_t = log(alpha_t / sigma_t) as the integration variable. The noise levels are kept as
 * Karras-style sigma = sigma_t / alpha_t (so alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t),
 * the latents start as plain Gaussian noise, and the U-Net input is not scaled.
 */
abstract class SolverScheduler extends BaseScheduler {
    protected final Thresholding thresholding;
    private final SolverConfig config;

    protected SolverScheduler(String name, SolverConfig config, int steps) {
        super(name, config.training(), steps);
        this.config = config;
        thresholding = config.thresholding();
    }

    /**
     * Sets the timesteps and sigmas. A null timestep_spacing means diffusers' fixed linspace rule
     * (DPM-Solver singlestep); Karras sigmas map back to rounded timesteps.
     */
    protected void plan(boolean luLambdas) {
        int trainSteps = schedule.trainSteps;
        int lastTimestep = trainSteps - clippedCount(config.lambdaMinClipped());
        Spacing spacing = config.training().timestepSpacing();
        Spacing effective = spacing == null ? Spacing.LINSPACE : spacing;
        double[] t = effective.solverTimesteps(
                trainSteps, lastTimestep, steps, config.training().stepsOffset());
        float[] table = schedule.sigmas();
        double[] logSigmas = schedule.logSigmas();
        double[] sigmaValues;
        if (config.useKarrasSigmas()) {
            sigmaValues = Sigmas.karras(table[0], table[trainSteps - 1], t.length);
            t = Sigmas.toTimesteps(sigmaValues, logSigmas, true);
        } else if (luLambdas) {
            double[] lambdas = NumPy.linspace(0, 1, t.length);
            double lambdaMax = logSigmas[trainSteps - 1];
            double lambdaMin = logSigmas[0];
            sigmaValues = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                sigmaValues[i] = Math.exp(lambdaMax + lambdas[i] * (lambdaMin - lambdaMax));
            }
            t = Sigmas.toTimesteps(sigmaValues, logSigmas, true);
        } else {
            sigmaValues = Sigmas.atTimesteps(t, table);
        }
        timesteps = t;
        sigmas = Sigmas.float32(Sigmas.append(sigmaValues, config.finalSigmas().value(schedule)));
    }

    /** How many of the largest timesteps have lambda below lambda_min_clipped (searchsorted on flipped lambda). */
    private int clippedCount(double lambdaMinClipped) {
        int count = 0;
        for (int t = 0; t < schedule.trainSteps; t++) {
            double a = schedule.alphasCumprod[t];
            double lambda = Math.log(Math.sqrt(a)) - Math.log(Math.sqrt(1 - a));
            if (lambda < lambdaMinClipped) {
                count++;
            }
        }
        return count;
    }

    /**
     * The highest order up to {@code wanted} whose points sigmas[to], sigmas[from], sigmas[from - 1], ...
     * are distinct. With very many steps the rounded timesteps repeat and a zero step in lambda would
     * divide by zero (diffusers then returns NaN); the update then falls back to a lower order.
     */
    protected int usableOrder(int wanted, int from, int to) {
        int order = 1;
        if (sigmas[to] == sigmas[from]) {
            return 1;
        }
        while (order < wanted && from - order >= 0 && sigmas[from - order] != sigmas[from - order + 1]) {
            order++;
        }
        return order;
    }

    static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    static double sigmaT(double sigma) {
        return sigma * alpha(sigma);
    }

    /** lambda = log(alpha_t) - log(sigma_t); +infinity at sigma = 0. */
    static double lambda(double sigma) {
        return Math.log(alpha(sigma)) - Math.log(sigmaT(sigma));
    }

    /**
     * DPM-Solver-1 from sigmas[index] to sigmas[index + 1], which equals DDIM. With data prediction
     * (dpmsolver++) x_t = (sigma_t / sigma_s) x - alpha_t (e^-h - 1) x0; with noise prediction
     * x_t = (alpha_t / alpha_s) x - sigma_t (e^h - 1) eps.
     */
    protected Tensor firstOrder(Tensor m0, int index, Tensor sample, boolean dataPrediction) {
        double s = sigmas[index];
        double t = sigmas[index + 1];
        double h = lambda(t) - lambda(s);
        if (dataPrediction) {
            return TensorMath.combine(sigmaT(t) / sigmaT(s), sample, -alpha(t) * Math.expm1(-h), m0);
        }
        return TensorMath.combine(alpha(t) / alpha(s), sample, -sigmaT(t) * Math.expm1(h), m0);
    }

    /** The data prediction x0 at loop index {@code index}, thresholded if configured. */
    protected Tensor dataPrediction(Tensor modelOutput, Tensor sample, int index) {
        double alphaT = alpha(sigmas[index]);
        double sigmaT = sigmaT(sigmas[index]);
        Tensor x0 = switch (prediction) {
            case EPSILON -> TensorMath.divide(TensorMath.plus(sample, -sigmaT, modelOutput), alphaT);
            case SAMPLE -> modelOutput.alias();
            case V_PREDICTION -> TensorMath.combine(alphaT, sample, -sigmaT, modelOutput);
        };
        return thresholding.apply(x0);
    }

    /** The noise prediction eps at loop index {@code index} (via a thresholded x0 when thresholding). */
    protected Tensor noisePrediction(Tensor modelOutput, Tensor sample, int index, boolean thresholdingApplies) {
        double alphaT = alpha(sigmas[index]);
        double sigmaT = sigmaT(sigmas[index]);
        Tensor eps = switch (prediction) {
            case EPSILON -> modelOutput.alias();
            case SAMPLE -> TensorMath.divide(TensorMath.plus(sample, -alphaT, modelOutput), sigmaT);
            case V_PREDICTION -> TensorMath.combine(alphaT, modelOutput, sigmaT, sample);
        };
        if (thresholdingApplies) {
            Tensor x0 = thresholding.apply(TensorMath.divide(TensorMath.plus(sample, -sigmaT, eps), alphaT));
            eps = TensorMath.divide(TensorMath.plus(sample, -alphaT, x0), sigmaT);
        }
        return eps;
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int index) {
        checkIndex(index);
        double sigma = sigmas[index];
        return Tensors.scoped(() -> TensorMath.combine(alpha(sigma), original, sigmaT(sigma), noise));
    }
}
