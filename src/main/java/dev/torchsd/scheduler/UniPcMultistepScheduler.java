package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.DISABLE_CORRECTOR;
import static dev.torchsd.scheduler.ConfigKey.PREDICT_X0;
import static dev.torchsd.scheduler.ConfigKey.SOLVER_TYPE;

import dev.torchsd.tensor.Tensors;
import java.util.HashSet;
import java.util.Set;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework"): a multistep predictor
 * (UniP) whose result is corrected (UniC) at the start of the next step, once the model output there is
 * known, at no extra model call. B(h) variant {@code solver_type} bh2 (default) or bh1,
 * {@code predict_x0} true (data prediction, default) or false, {@code disable_corrector} step list.
 */
final class UniPcMultistepScheduler extends SolverScheduler {
    static final String NAME = "UniPCMultistepScheduler";

    /**
     * UniPCMultistepScheduler's {@code __init__} keys with diffusers' defaults: the solvers' shared keys
     * (solver_order up to 4), predict_x0 on, solver_type bh2 (midpoint, heun and logrho mean bh2, as in
     * diffusers), disable_corrector empty.
     */
    record Config(SolverConfig solver, boolean predictX0, boolean bh2, Set<Integer> disableCorrector) {}

    static Config readConfig(SchedulerConfig c) {
        SolverConfig solver = SolverConfig.read(c, NAME, Spacing.LINSPACE, 4);
        String solverType = c.oneOf(SOLVER_TYPE, "bh2", NAME, "bh1", "bh2", "midpoint", "heun", "logrho");
        Set<Integer> disabled = new HashSet<>();
        double[] steps = c.numbers(DISABLE_CORRECTOR);
        if (steps != null) {
            for (double step : steps) {
                disabled.add((int) step);
            }
        }
        return new Config(solver, c.flag(PREDICT_X0, true), !solverType.equals("bh1"), Set.copyOf(disabled));
    }

    private final int solverOrder;
    private final boolean predictX0;
    private final boolean bh2;
    private final boolean lowerOrderFinal;
    private final Set<Integer> disabledCorrector;
    private final Tensor[] modelOutputs;
    private Tensor lastSample;
    private int lowerOrderNums;
    private int thisOrder;

    UniPcMultistepScheduler(Config config, int steps) {
        super(NAME, config.solver(), steps);
        solverOrder = config.solver().solverOrder();
        predictX0 = config.predictX0();
        bh2 = config.bh2();
        lowerOrderFinal = config.solver().lowerOrderFinal();
        disabledCorrector = config.disableCorrector();
        plan(false);
        modelOutputs = new Tensor[solverOrder];
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        return Tensors.scoped(() -> {
            boolean useCorrector = index > 0 && !disabledCorrector.contains(index - 1) && lastSample != null;
            Tensor converted = predictX0
                    ? dataPrediction(modelOutput, sample, index)
                    : noisePrediction(modelOutput, sample, index, thresholding.thresholding());
            Tensor current = useCorrector ? corrector(converted, index) : sample;
            Tensors.drop(modelOutputs[0]);
            System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
            modelOutputs[solverOrder - 1] = Tensors.keep(converted);
            int order = lowerOrderFinal ? Math.min(solverOrder, timesteps.length - index) : solverOrder;
            thisOrder = Math.min(order, lowerOrderNums + 1);
            lastSample = Tensors.drop(lastSample);
            lastSample = Tensors.keepShared(current);
            Tensor previous = predictor(index, current, usableOrder(thisOrder, index, index + 1));
            if (lowerOrderNums < solverOrder) {
                lowerOrderNums++;
            }
            return previous;
        });
    }

    private Tensor output(int back) {
        return modelOutputs[solverOrder - 1 - back];
    }

    /** The B(h)-variant coefficient vectors: R[i][k] = r_k^i and b_i, for i < order. */
    private record Coefficients(double[][] r, double[] b, double hPhi1, double bh) {}

    private Coefficients coefficients(double[] rks, double h, int order) {
        double hh = predictX0 ? -h : h;
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double factorial = 1;
        double bh = bh2 ? Math.expm1(hh) : hh;
        double[][] r = new double[order][order];
        double[] b = new double[order];
        for (int i = 1; i <= order; i++) {
            for (int k = 0; k < order; k++) {
                r[i - 1][k] = Math.pow(rks[k], i - 1);
            }
            b[i - 1] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        return new Coefficients(r, b, hPhi1, bh);
    }

    /** UniP: from sample at sigma_s0 (= sigmas[index]) to sigma_t (= sigmas[index + 1]). */
    private Tensor predictor(int index, Tensor x, int order) {
        double t = sigmas[index + 1];
        double s0 = sigmas[index];
        double h = lambda(t) - lambda(s0);
        Tensor m0 = output(0);
        double[] rks = new double[order];
        Tensor[] d1s = new Tensor[order - 1];
        for (int i = 1; i < order; i++) {
            double si = sigmas[index - i];
            rks[i - 1] = (lambda(si) - lambda(s0)) / h;
            d1s[i - 1] = TensorMath.divide(output(i).sub(m0), rks[i - 1]);
        }
        rks[order - 1] = 1.0;
        Coefficients c = coefficients(rks, h, order);
        Tensor base = predictX0
                ? TensorMath.combine(sigmaT(t) / sigmaT(s0), x, -alpha(t) * c.hPhi1, m0)
                : TensorMath.combine(alpha(t) / alpha(s0), x, -sigmaT(t) * c.hPhi1, m0);
        if (order == 1) {
            return base;
        }
        double[] rhos =
                order == 2 ? new double[] {0.5} : solve(minor(c.r, order - 1), java.util.Arrays.copyOf(c.b, order - 1));
        Tensor residual = weightedSum(rhos, d1s, order - 1);
        double scale = (predictX0 ? alpha(t) : sigmaT(t)) * c.bh;
        return TensorMath.plus(base, -scale, residual);
    }

    /** UniC: corrects the last prediction (at sigmas[index]) from lastSample (at sigmas[index - 1]). */
    private Tensor corrector(Tensor modelT, int index) {
        int order = usableOrder(thisOrder, index - 1, index);
        double t = sigmas[index];
        double s0 = sigmas[index - 1];
        double h = lambda(t) - lambda(s0);
        Tensor m0 = output(0);
        double[] rks = new double[order];
        Tensor[] d1s = new Tensor[Math.max(0, order - 1)];
        for (int i = 1; i < order; i++) {
            double si = sigmas[index - (i + 1)];
            rks[i - 1] = (lambda(si) - lambda(s0)) / h;
            d1s[i - 1] = TensorMath.divide(output(i).sub(m0), rks[i - 1]);
        }
        rks[order - 1] = 1.0;
        Coefficients c = coefficients(rks, h, order);
        double[] rhos = order == 1 ? new double[] {0.5} : solve(c.r, c.b);
        Tensor base = predictX0
                ? TensorMath.combine(sigmaT(t) / sigmaT(s0), lastSample, -alpha(t) * c.hPhi1, m0)
                : TensorMath.combine(alpha(t) / alpha(s0), lastSample, -sigmaT(t) * c.hPhi1, m0);
        Tensor correction = TensorMath.times(rhos[order - 1], modelT.sub(m0));
        if (order > 1) {
            correction = correction.add(weightedSum(rhos, d1s, order - 1));
        }
        double scale = (predictX0 ? alpha(t) : sigmaT(t)) * c.bh;
        return TensorMath.plus(base, -scale, correction);
    }

    private static Tensor weightedSum(double[] weights, Tensor[] terms, int count) {
        Tensor sum = TensorMath.times(weights[0], terms[0]);
        for (int k = 1; k < count; k++) {
            sum = TensorMath.plus(sum, weights[k], terms[k]);
        }
        return sum;
    }

    private static double[][] minor(double[][] matrix, int size) {
        double[][] result = new double[size][];
        for (int i = 0; i < size; i++) {
            result[i] = java.util.Arrays.copyOf(matrix[i], size);
        }
        return result;
    }

    /** Solves a x = b by Gaussian elimination with partial pivoting (the systems are at most 4 x 4). */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
                    pivot = row;
                }
            }
            double[] swap = m[col];
            m[col] = m[pivot];
            m[pivot] = swap;
            for (int row = col + 1; row < n; row++) {
                double factor = m[row][col] / m[col][col];
                for (int k = col; k <= n; k++) {
                    m[row][k] -= factor * m[col][k];
                }
            }
        }
        double[] x = new double[n];
        for (int row = n - 1; row >= 0; row--) {
            double sum = m[row][n];
            for (int k = row + 1; k < n; k++) {
                sum -= m[row][k] * x[k];
            }
            x[row] = sum / m[row][row];
        }
        return x;
    }

    @Override
    public void close() {
        for (int i = 0; i < modelOutputs.length; i++) {
            modelOutputs[i] = Tensors.drop(modelOutputs[i]);
        }
        lastSample = Tensors.drop(lastSample);
    }
}
