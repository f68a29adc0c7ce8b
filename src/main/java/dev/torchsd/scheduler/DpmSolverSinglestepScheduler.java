package dev.torchsd.scheduler;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * DPM-Solver++ singlestep (Lu et al. 2022; AUTOMATIC1111's "DPM++ 2S"): the steps are grouped
 * (orders 1, 2, 1, 2, ...); a second-order step starts again from the sample at the beginning of its
 * group and uses the model output at the group's intermediate point. Timesteps always use diffusers'
 * linspace rule for this sampler. {@code solver_order} 1 or 2.
 */
final class DpmSolverSinglestepScheduler extends SolverScheduler {
    static final String NAME = "DPMSolverSinglestepScheduler";

    /**
     * DPMSolverSinglestepScheduler's {@code __init__} keys with diffusers' defaults: the solvers' shared keys
     * (solver_order up to 2 in torchsd; no timestep_spacing), algorithm_type dpmsolver++, solver_type midpoint.
     */
    record Config(SolverConfig solver, boolean dataPrediction, boolean midpoint) {}

    static Config readConfig(SchedulerConfig c) {
        SolverConfig solver = SolverConfig.read(c, NAME, null, 2);
        return new Config(solver, solver.readDataPrediction(c, NAME), SolverConfig.readMidpoint(c, NAME));
    }

    private final boolean plusPlus;
    private final boolean midpoint;
    private final int solverOrder;
    private final int[] orders;
    private final Tensor[] modelOutputs;
    private Tensor groupSample;

    DpmSolverSinglestepScheduler(Config config, int steps) {
        super(NAME, config.solver(), steps);
        plusPlus = config.dataPrediction();
        midpoint = config.midpoint();
        solverOrder = config.solver().solverOrder();
        boolean finalSigmaZero = config.solver().finalSigmas() == FinalSigmas.ZERO;
        boolean lowerOrderFinal = config.solver().lowerOrderFinal() || steps % solverOrder != 0 || finalSigmaZero;
        plan(false);
        orders = orderList(steps, solverOrder, lowerOrderFinal);
        modelOutputs = new Tensor[solverOrder];
    }

    /** The solver order of each step: 1, 2, 1, 2, ... ending in first-order steps when lower_order_final. */
    static int[] orderList(int steps, int order, boolean lowerOrderFinal) {
        int[] orders = new int[steps];
        if (order == 1) {
            java.util.Arrays.fill(orders, 1);
            return orders;
        }
        for (int i = 0; i < steps; i++) {
            orders[i] = i % 2 == 0 ? 1 : 2;
        }
        if (lowerOrderFinal && steps % 2 == 0) {
            orders[steps - 1] = 1;
        }
        return orders;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        return Tensors.scoped(() -> {
            Tensor converted = plusPlus
                    ? dataPrediction(modelOutput, sample, index)
                    : noisePrediction(modelOutput, sample, index, thresholding.thresholding());
            Tensors.drop(modelOutputs[0]);
            System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
            modelOutputs[solverOrder - 1] = Tensors.keep(converted);
            int order = orders[index];
            while (modelOutputs[solverOrder - order] == null) {
                order--;
            }
            if (order == 2
                    && (groupSample == null
                            || usableOrder(2, index, index + 1) < 2
                            || sigmas[index + 1] == sigmas[index - 1])) {
                order = 1;
            }
            if (order == 1) {
                groupSample = Tensors.drop(groupSample);
                groupSample = Tensors.keepShared(sample);
                return firstOrder(converted, index, groupSample, plusPlus);
            }
            return secondOrder(index, groupSample);
        });
    }

    /** From the group's start s1 over the intermediate point s0 to t, with D0 = m1, D1 = (m0 - m1) / r0. */
    private Tensor secondOrder(int index, Tensor sample) {
        double t = sigmas[index + 1];
        double s0 = sigmas[index];
        double s1 = sigmas[index - 1];
        Tensor m0 = modelOutputs[solverOrder - 1];
        Tensor m1 = modelOutputs[solverOrder - 2];
        double h = lambda(t) - lambda(s1);
        double h0 = lambda(s0) - lambda(s1);
        double r0 = h0 / h;
        Tensor d1 = TensorMath.times(1.0 / r0, m0.sub(m1));
        if (plusPlus) {
            double base = alpha(t) * Math.expm1(-h);
            Tensor x = TensorMath.combine(sigmaT(t) / sigmaT(s1), sample, -base, m1);
            return midpoint
                    ? TensorMath.plus(x, -0.5 * base, d1)
                    : TensorMath.plus(x, alpha(t) * (Math.expm1(-h) / h + 1.0), d1);
        }
        double base = sigmaT(t) * Math.expm1(h);
        Tensor x = TensorMath.combine(alpha(t) / alpha(s1), sample, -base, m1);
        return midpoint
                ? TensorMath.plus(x, -0.5 * base, d1)
                : TensorMath.plus(x, -sigmaT(t) * (Math.expm1(h) / h - 1.0), d1);
    }

    @Override
    public void close() {
        for (int i = 0; i < modelOutputs.length; i++) {
            modelOutputs[i] = Tensors.drop(modelOutputs[i]);
        }
        groupSample = Tensors.drop(groupSample);
    }
}
