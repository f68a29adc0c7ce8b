package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.PREDICTION_TYPE;
import static dev.torchsd.scheduler.ConfigKey.SET_ALPHA_TO_ONE;
import static dev.torchsd.scheduler.ConfigKey.SKIP_PRK_STEPS;

import dev.torchsd.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * PNDM, "Pseudo Numerical Methods for Diffusion Models on Manifolds" (Liu et al. 2022): a linear
 * multistep method (PLMS, Adams-Bashforth up to 4th order over the noise predictions) on the DDIM
 * transfer function. With {@code skip_prk_steps=false} it warms up with three pseudo Runge-Kutta (PRK)
 * steps of four model calls each; with {@code skip_prk_steps=true} (Stable Diffusion's setting, and
 * AUTOMATIC1111's "PLMS") it starts with a Heun-like step that revisits the first timestep.
 */
final class PndmScheduler extends AlphaBarScheduler {
    static final String NAME = "PNDMScheduler";
    private static final int PNDM_ORDER = 4;

    /**
     * PNDMScheduler's {@code __init__} keys with diffusers' defaults (betas 1e-4..0.02, leading spacing,
     * skip_prk_steps and set_alpha_to_one off); prediction_type epsilon or v_prediction.
     */
    record Config(TrainingConfig training, boolean skipPrkSteps, boolean setAlphaToOne) {}

    static Config readConfig(SchedulerConfig c) {
        TrainingConfig training = TrainingConfig.read(c, 0.0001, 0.02, Spacing.LEADING);
        c.choice(PREDICTION_TYPE, Prediction.EPSILON, NAME, Prediction.EPSILON, Prediction.V_PREDICTION);
        return new Config(training, c.flag(SKIP_PRK_STEPS, false), c.flag(SET_ALPHA_TO_ONE, false));
    }

    private final double finalAlphaBar;
    private final int prkSteps;

    /** ets: the last noise predictions (at most 4), newest last. */
    private final List<Tensor> ets = new ArrayList<>();

    private Tensor curSample;
    private Tensor curModelOutput;
    private int counter;

    PndmScheduler(Config config, int steps) {
        super(NAME, config.training(), steps);
        finalAlphaBar = config.setAlphaToOne() ? 1.0 : schedule.alphaBar(0);
        int trainSteps = schedule.trainSteps;
        double[] ascending = NumPy.reverse(timesteps);
        if (config.skipPrkSteps()) {
            prkSteps = 0;
            timesteps = plmsOnly(ascending);
        } else {
            if (steps < PNDM_ORDER) {
                throw new SchedulerException(NAME + ": the PRK warm-up (skip_prk_steps=false) needs at least "
                        + PNDM_ORDER + " steps, found " + steps);
            }
            double[] prk = prkTimesteps(ascending, trainSteps / steps / 2);
            prkSteps = prk.length;
            int plmsCount = Math.max(0, ascending.length - 3);
            timesteps = new double[prk.length + plmsCount];
            System.arraycopy(prk, 0, timesteps, 0, prk.length);
            for (int i = 0; i < plmsCount; i++) {
                timesteps[prk.length + i] = ascending[plmsCount - 1 - i];
            }
        }
        checkTimestepRange();
    }

    /** t[0..n-2], t[n-2], t[n-1], reversed: the second timestep appears twice (981, 961, 961, 941, ...). */
    private static double[] plmsOnly(double[] ascending) {
        int n = ascending.length;
        if (n == 1) {
            return ascending.clone();
        }
        double[] plms = new double[n + 1];
        System.arraycopy(ascending, 0, plms, 0, n - 1);
        plms[n - 1] = ascending[n - 2];
        plms[n] = ascending[n - 1];
        return NumPy.reverse(plms);
    }

    /**
     * The PRK warm-up over the last four timesteps t: each t and t + ratio/2, every inner point
     * visited twice (four model calls per Runge-Kutta step), descending.
     */
    private static double[] prkTimesteps(double[] ascending, int halfRatio) {
        int n = ascending.length;
        double[] withHalves = new double[2 * PNDM_ORDER];
        for (int i = 0; i < PNDM_ORDER; i++) {
            double t = ascending[n - PNDM_ORDER + i];
            withHalves[2 * i] = t;
            withHalves[2 * i + 1] = t + halfRatio;
        }
        // [:-1].repeat(2)[1:-1], reversed
        int m = withHalves.length - 1;
        double[] doubled = new double[2 * m];
        for (int i = 0; i < m; i++) {
            doubled[2 * i] = withHalves[i];
            doubled[2 * i + 1] = withHalves[i];
        }
        double[] inner = java.util.Arrays.copyOfRange(doubled, 1, doubled.length - 1);
        return NumPy.reverse(inner);
    }

    @Override
    public Tensor step(Tensor modelOutput, int index, Tensor sample, Generator generator) {
        checkIndex(index);
        return Tensors.scoped(
                () -> counter < prkSteps ? stepPrk(modelOutput, index, sample) : stepPlms(modelOutput, index, sample));
    }

    private Tensor stepPrk(Tensor modelOutput, int index, Tensor sample) {
        int diffToPrev = counter % 2 == 1 ? 0 : stepRatio / 2;
        int timestep = timestepAt(index);
        int prevTimestep = timestep - diffToPrev;
        timestep = (int) timesteps[counter / 4 * 4];
        Tensor output = modelOutput;
        switch (counter % 4) {
            case 0 -> {
                replaceCurModelOutput(TensorMath.times(1.0 / 6, modelOutput));
                pushEt(modelOutput);
                curSample = Tensors.drop(curSample);
                curSample = Tensors.keepShared(sample);
            }
            case 1, 2 -> replaceCurModelOutput(TensorMath.plus(curModelOutput, 1.0 / 3, modelOutput));
            default -> {
                output = TensorMath.plus(curModelOutput, 1.0 / 6, modelOutput);
                curModelOutput = Tensors.drop(curModelOutput);
            }
        }
        Tensor from = curSample != null ? curSample : sample;
        Tensor prev = previousSample(from, timestep, prevTimestep, output);
        counter++;
        return prev;
    }

    private Tensor stepPlms(Tensor modelOutput, int index, Tensor sample) {
        int timestep = timestepAt(index);
        int prevTimestep = timestep - stepRatio;
        if (counter != 1) {
            while (ets.size() > 3) {
                Tensors.drop(ets.remove(0));
            }
            pushEt(modelOutput);
        } else {
            prevTimestep = timestep;
            timestep = timestep + stepRatio;
        }
        Tensor output;
        Tensor from = sample;
        int n = ets.size();
        if (n == 1 && counter == 0) {
            output = modelOutput;
            curSample = Tensors.drop(curSample);
            curSample = Tensors.keepShared(sample);
        } else if (n == 1 && counter == 1) {
            output = TensorMath.divide(modelOutput.add(ets.get(0)), 2);
            from = curSample;
        } else if (n == 2) {
            output = TensorMath.divide(TensorMath.times(3, ets.get(1)).sub(ets.get(0)), 2);
        } else if (n == 3) {
            output = TensorMath.divide(
                    TensorMath.times(23, ets.get(2))
                            .sub(TensorMath.times(16, ets.get(1)))
                            .add(TensorMath.times(5, ets.get(0))),
                    12);
        } else {
            output = TensorMath.times(
                    1.0 / 24,
                    TensorMath.times(55, ets.get(3))
                            .sub(TensorMath.times(59, ets.get(2)))
                            .add(TensorMath.times(37, ets.get(1)))
                            .sub(TensorMath.times(9, ets.get(0))));
        }
        Tensor prev = previousSample(from, timestep, prevTimestep, output);
        if (n == 1 && counter == 1) {
            curSample = Tensors.drop(curSample);
        }
        counter++;
        return prev;
    }

    /**
     * The DDIM-like transfer x_t -> x_prev of PNDM's paper (eq. 9), from a noise prediction.
     * For v-prediction the output is first turned into a noise prediction.
     */
    private Tensor previousSample(Tensor sample, int timestep, int prevTimestep, Tensor modelOutput) {
        double alphaBar = schedule.alphaBar(timestep);
        double alphaBarPrev = prevTimestep >= 0 ? schedule.alphaBar(prevTimestep) : finalAlphaBar;
        double betaBar = 1 - alphaBar;
        double betaBarPrev = 1 - alphaBarPrev;
        Tensor eps = prediction == Prediction.V_PREDICTION
                ? TensorMath.combine(Math.sqrt(alphaBar), modelOutput, Math.sqrt(betaBar), sample)
                : modelOutput;
        double sampleCoeff = Math.sqrt(alphaBarPrev / alphaBar);
        double denominator = alphaBar * Math.sqrt(betaBarPrev) + Math.sqrt(alphaBar * betaBar * alphaBarPrev);
        return TensorMath.combine(sampleCoeff, sample, -(alphaBarPrev - alphaBar) / denominator, eps);
    }

    private void pushEt(Tensor modelOutput) {
        ets.add(Tensors.keepShared(modelOutput));
    }

    private void replaceCurModelOutput(Tensor value) {
        Tensors.drop(curModelOutput);
        curModelOutput = Tensors.keep(value);
    }

    @Override
    public void close() {
        ets.forEach(Tensors::drop);
        ets.clear();
        curSample = Tensors.drop(curSample);
        curModelOutput = Tensors.drop(curModelOutput);
    }
}
