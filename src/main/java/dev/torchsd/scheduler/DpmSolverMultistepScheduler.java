package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.EULER_AT_FINAL;
import static dev.torchsd.scheduler.ConfigKey.USE_LU_LAMBDAS;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * DPM-Solver++ multistep (Lu et al. 2022, "DPM-Solver++", Algorithm 2; AUTOMATIC1111's "DPM++ 2M"):
 * an exponential integrator over lambda that reuses the previous model outputs as a linear multistep
 * method. {@code algorithm_type} dpmsolver++ (default; data prediction) or dpmsolver (noise prediction),
 * {@code solver_order} 1..3, {@code solver_type} midpoint or heun, first-order warm-up and
 * {@code lower_order_final} for short runs, as diffusers does.
 */
final class DpmSolverMultistepScheduler extends SolverScheduler {
    static final String NAME = "DPMSolverMultistepScheduler";

    /**
     * DPMSolverMultistepScheduler's {@code __init__} keys with diffusers' defaults: the solvers' shared keys
     * (solver_order up to 3), algorithm_type dpmsolver++, solver_type midpoint, euler_at_final and
     * use_lu_lambdas off.
     */
    record Config(
            SolverConfig solver,
            boolean dataPrediction,
            boolean midpoint,
            boolean eulerAtFinal,
            boolean useLuLambdas) {}

    static Config readConfig(SchedulerConfig c) {
        SolverConfig solver = SolverConfig.read(c, NAME, Spacing.LINSPACE, 3);
        boolean lu = c.flag(USE_LU_LAMBDAS, false);
        if (lu && solver.useKarrasSigmas()) {
            throw c.invalid(USE_LU_LAMBDAS, "false when use_karras_sigmas is true");
        }
        return new Config(
                solver,
                solver.readDataPrediction(c, NAME),
                SolverConfig.readMidpoint(c, NAME),
                c.flag(EULER_AT_FINAL, false),
                lu);
    }

    private final boolean plusPlus;
    private final boolean midpoint;
    private final int solverOrder;
    private final boolean lowerOrderFinal;
    private final boolean eulerAtFinal;
    private final boolean finalSigmaZero;
    /** The converted model outputs of the last steps, newest last (null until filled). */
    private final Tensor[] modelOutputs;

    private int lowerOrderNums;

    DpmSolverMultistepScheduler(Config config, int steps) {
        super(NAME, config.solver(), steps);
        plusPlus = config.dataPrediction();
        midpoint = config.midpoint();
        solverOrder = config.solver().solverOrder();
        lowerOrderFinal = config.solver().lowerOrderFinal();
        eulerAtFinal = config.eulerAtFinal();
        finalSigmaZero = config.solver().finalSigmas() == FinalSigmas.ZERO;
        plan(config.useLuLambdas());
        modelOutputs = new Tensor[solverOrder];
    }

    @Override
    public int order() {
        return 1;
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        int n = timesteps.length;
        boolean finalStepFirstOrder = index == n - 1 && (eulerAtFinal || (lowerOrderFinal && n < 15) || finalSigmaZero);
        boolean secondLastLower = index == n - 2 && lowerOrderFinal && n < 15;
        return Tensors.scoped(() -> {
            Tensor converted = plusPlus
                    ? dataPrediction(modelOutput, sample, index)
                    : noisePrediction(modelOutput, sample, index, thresholding.thresholding());
            Tensors.drop(modelOutputs[0]);
            System.arraycopy(modelOutputs, 1, modelOutputs, 0, solverOrder - 1);
            modelOutputs[solverOrder - 1] = Tensors.keep(converted);
            int order;
            if (solverOrder == 1 || lowerOrderNums < 1 || finalStepFirstOrder) {
                order = 1;
            } else if (solverOrder == 2 || lowerOrderNums < 2 || secondLastLower) {
                order = 2;
            } else {
                order = 3;
            }
            order = usableOrder(order, index, index + 1);
            Tensor previous = switch (order) {
                case 1 -> firstOrder(converted, index, sample, plusPlus);
                case 2 -> secondOrder(index, sample);
                default -> thirdOrder(index, sample);
            };
            if (lowerOrderNums < solverOrder) {
                lowerOrderNums++;
            }
            return previous;
        });
    }

    private Tensor output(int back) {
        return modelOutputs[solverOrder - 1 - back];
    }

    private Tensor secondOrder(int index, Tensor sample) {
        double t = sigmas[index + 1];
        double s0 = sigmas[index];
        double s1 = sigmas[index - 1];
        Tensor m0 = output(0);
        Tensor m1 = output(1);
        double h = lambda(t) - lambda(s0);
        double h0 = lambda(s0) - lambda(s1);
        double r0 = h0 / h;
        Tensor d1 = TensorMath.times(1.0 / r0, m0.sub(m1));
        if (plusPlus) {
            double base = alpha(t) * Math.expm1(-h);
            Tensor x = TensorMath.combine(sigmaT(t) / sigmaT(s0), sample, -base, m0);
            return midpoint
                    ? TensorMath.plus(x, -0.5 * base, d1)
                    : TensorMath.plus(x, alpha(t) * (Math.expm1(-h) / h + 1.0), d1);
        }
        double base = sigmaT(t) * Math.expm1(h);
        Tensor x = TensorMath.combine(alpha(t) / alpha(s0), sample, -base, m0);
        return midpoint
                ? TensorMath.plus(x, -0.5 * base, d1)
                : TensorMath.plus(x, -sigmaT(t) * (Math.expm1(h) / h - 1.0), d1);
    }

    private Tensor thirdOrder(int index, Tensor sample) {
        double t = sigmas[index + 1];
        double s0 = sigmas[index];
        double s1 = sigmas[index - 1];
        double s2 = sigmas[index - 2];
        Tensor m0 = output(0);
        Tensor m1 = output(1);
        Tensor m2 = output(2);
        double h = lambda(t) - lambda(s0);
        double h0 = lambda(s0) - lambda(s1);
        double h1 = lambda(s1) - lambda(s2);
        double r0 = h0 / h;
        double r1 = h1 / h;
        Tensor d10 = TensorMath.times(1.0 / r0, m0.sub(m1));
        Tensor d11 = TensorMath.times(1.0 / r1, m1.sub(m2));
        Tensor d1 = TensorMath.plus(d10, r0 / (r0 + r1), d10.sub(d11));
        Tensor d2 = TensorMath.times(1.0 / (r0 + r1), d10.sub(d11));
        if (plusPlus) {
            Tensor x = TensorMath.combine(sigmaT(t) / sigmaT(s0), sample, -alpha(t) * Math.expm1(-h), m0);
            x = TensorMath.plus(x, alpha(t) * (Math.expm1(-h) / h + 1.0), d1);
            return TensorMath.plus(x, -alpha(t) * ((Math.expm1(-h) + h) / (h * h) - 0.5), d2);
        }
        Tensor x = TensorMath.combine(alpha(t) / alpha(s0), sample, -sigmaT(t) * Math.expm1(h), m0);
        x = TensorMath.plus(x, -sigmaT(t) * (Math.expm1(h) / h - 1.0), d1);
        return TensorMath.plus(x, -sigmaT(t) * ((Math.expm1(h) - h) / (h * h) - 0.5), d2);
    }

    @Override
    public void close() {
        for (int i = 0; i < modelOutputs.length; i++) {
            modelOutputs[i] = Tensors.drop(modelOutputs[i]);
        }
    }
}
