package dev.torchsd.scheduler;

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

    private final boolean plusPlus;
    private final boolean midpoint;
    private final int solverOrder;
    private final boolean lowerOrderFinal;
    private final boolean eulerAtFinal;
    private final boolean finalSigmaZero;
    private final boolean thresholdingOn;
    /** The converted model outputs of the last steps, newest last (null until filled). */
    private final Tensor[] modelOutputs;
    private int lowerOrderNums;

    DpmSolverMultistepScheduler(SchedulerConfig config, int steps) {
        super(NAME, config, steps);
        String algorithm = config.string("algorithm_type", "dpmsolver++");
        if (algorithm.equals("deis")) {
            algorithm = "dpmsolver++";
        }
        if (!algorithm.equals("dpmsolver++") && !algorithm.equals("dpmsolver")) {
            throw new SchedulerException(NAME + ": algorithm_type '" + algorithm
                    + "' is not supported; expected dpmsolver++ or dpmsolver");
        }
        plusPlus = algorithm.equals("dpmsolver++");
        String solverType = config.string("solver_type", "midpoint");
        if (solverType.equals("logrho") || solverType.equals("bh1") || solverType.equals("bh2")) {
            solverType = "midpoint";
        }
        if (!solverType.equals("midpoint") && !solverType.equals("heun")) {
            throw new SchedulerException(NAME + ": solver_type '" + solverType + "' is not supported; expected midpoint or heun");
        }
        midpoint = solverType.equals("midpoint");
        solverOrder = config.integer("solver_order", 2);
        if (solverOrder < 1 || solverOrder > 3) {
            throw new SchedulerException(NAME + ": solver_order must be 1, 2 or 3, found " + solverOrder);
        }
        lowerOrderFinal = config.flag("lower_order_final", true);
        eulerAtFinal = config.flag("euler_at_final", false);
        finalSigmaZero = config.string("final_sigmas_type", "zero").equals("zero");
        if (!plusPlus && finalSigmaZero) {
            throw new SchedulerException(NAME + ": final_sigmas_type 'zero' is not supported with algorithm_type "
                    + "'dpmsolver'; set final_sigmas_type=sigma_min");
        }
        thresholdingOn = config.flag("thresholding", false);
        boolean lu = config.flag("use_lu_lambdas", false);
        if (lu && config.flag("use_karras_sigmas", false)) {
            throw new SchedulerException(NAME + ": use_lu_lambdas and use_karras_sigmas cannot both be true");
        }
        plan(config, Spacing.of(config, Spacing.LINSPACE, NAME), lu);
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
        return Tensors.inOwnScope(() -> {
            Tensor converted = plusPlus ? dataPrediction(modelOutput, sample, index)
                    : noisePrediction(modelOutput, sample, index, thresholdingOn);
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
        Tensor d1 = Tensors.times(1.0 / r0, m0.sub(m1));
        if (plusPlus) {
            double base = alpha(t) * Math.expm1(-h);
            Tensor x = Tensors.combine(sigmaT(t) / sigmaT(s0), sample, -base, m0);
            return midpoint ? Tensors.plus(x, -0.5 * base, d1)
                    : Tensors.plus(x, alpha(t) * (Math.expm1(-h) / h + 1.0), d1);
        }
        double base = sigmaT(t) * Math.expm1(h);
        Tensor x = Tensors.combine(alpha(t) / alpha(s0), sample, -base, m0);
        return midpoint ? Tensors.plus(x, -0.5 * base, d1)
                : Tensors.plus(x, -sigmaT(t) * (Math.expm1(h) / h - 1.0), d1);
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
        Tensor d10 = Tensors.times(1.0 / r0, m0.sub(m1));
        Tensor d11 = Tensors.times(1.0 / r1, m1.sub(m2));
        Tensor d1 = Tensors.plus(d10, r0 / (r0 + r1), d10.sub(d11));
        Tensor d2 = Tensors.times(1.0 / (r0 + r1), d10.sub(d11));
        if (plusPlus) {
            Tensor x = Tensors.combine(sigmaT(t) / sigmaT(s0), sample, -alpha(t) * Math.expm1(-h), m0);
            x = Tensors.plus(x, alpha(t) * (Math.expm1(-h) / h + 1.0), d1);
            return Tensors.plus(x, -alpha(t) * ((Math.expm1(-h) + h) / (h * h) - 0.5), d2);
        }
        Tensor x = Tensors.combine(alpha(t) / alpha(s0), sample, -sigmaT(t) * Math.expm1(h), m0);
        x = Tensors.plus(x, -sigmaT(t) * (Math.expm1(h) / h - 1.0), d1);
        return Tensors.plus(x, -sigmaT(t) * ((Math.expm1(h) - h) / (h * h) - 0.5), d2);
    }

    @Override
    public void close() {
        for (int i = 0; i < modelOutputs.length; i++) {
            modelOutputs[i] = Tensors.drop(modelOutputs[i]);
        }
    }
}
