package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * Linear multistep (LMS, k-diffusion's {@code sample_lms}): the next sample integrates the Lagrange
 * polynomial through the last (up to 4) ODE derivatives over [sigma_i, sigma_{i+1}].
 *
 * <p>diffusers integrates each Lagrange basis polynomial numerically (scipy's {@code quad}); the
 * integrand is a polynomial of degree at most 3, so we integrate it exactly.
 */
final class LmsDiscreteScheduler extends SigmaScheduler {
    static final String NAME = "LMSDiscreteScheduler";
    private static final int MAX_ORDER = 4;

    /** The last derivatives, oldest first. */
    private final List<Tensor> derivatives = new ArrayList<>();

    /** LMSDiscreteScheduler's {@code __init__} keys with diffusers' defaults: betas 1e-4..0.02, linspace spacing. */
    static SigmaConfig readConfig(SchedulerConfig c) {
        return SigmaConfig.read(c, 0.0001, 0.02);
    }

    LmsDiscreteScheduler(SigmaConfig config, int steps) {
        super(NAME, config, steps);
        timesteps = stepTimesteps;
        sigmas = stepSigmas;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        double sigma = sigmas[index];
        return Tensors.scoped(() -> {
            Tensor x0 = predictOriginal(modelOutput, sample, sigma);
            derivatives.add(Tensors.keep(TensorMath.divide(sample.sub(x0), sigma)));
            if (derivatives.size() > MAX_ORDER) {
                Tensors.drop(derivatives.remove(0));
            }
            // diffusers bounds the order by the step index, not by the derivatives collected so far
            int order = Math.min(index + 1, MAX_ORDER);
            Tensor previous = sample;
            int terms = Math.min(order, derivatives.size());
            for (int k = 0; k < terms; k++) {
                double coefficient = coefficient(order, index, k);
                previous = TensorMath.plus(previous, coefficient, derivatives.get(derivatives.size() - 1 - k));
            }
            return terms == 0 ? sample.alias() : previous;
        });
    }

    /**
     * The integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial that is 1 at
     * sigma_{t - current} and 0 at the other sigma_{t - k}, k < order.
     */
    double coefficient(int order, int t, int current) {
        double[] polynomial = {1.0}; // coefficients, lowest degree first
        for (int k = 0; k < order; k++) {
            if (k == current) {
                continue;
            }
            double node = sigmas[t - k];
            double scale = 1.0 / (sigmas[t - current] - node);
            double[] next = new double[polynomial.length + 1];
            for (int d = 0; d < polynomial.length; d++) {
                next[d + 1] += polynomial[d] * scale;
                next[d] -= polynomial[d] * node * scale;
            }
            polynomial = next;
        }
        return antiderivative(polynomial, sigmas[t + 1]) - antiderivative(polynomial, sigmas[t]);
    }

    private static double antiderivative(double[] polynomial, double x) {
        double sum = 0;
        for (int d = polynomial.length - 1; d >= 0; d--) {
            sum = sum * x + polynomial[d] / (d + 1);
        }
        return sum * x;
    }

    @Override
    public void close() {
        derivatives.forEach(Tensors::drop);
        derivatives.clear();
    }
}
