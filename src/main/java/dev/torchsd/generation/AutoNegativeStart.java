package dev.torchsd.generation;

import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code --negative-start auto}: the negative prompt starts once the positive prompt's content has
 * settled. After every U-Net call it compares the clean latents x0 the positive branch predicts with
 * those of the previous call; the first time their relative change {@code |x0 - x0_prev| / |x0|}
 * falls below {@link #TOLERANCE}, the negative prompt starts at the next call's step (rounded up to a
 * whole step, so the request {@code --negative-start S} with that step reproduces the generation).
 * The criterion is the paper's "critical step" (arXiv:2406.02965): a negative prompt acts by
 * cancelling what the positive prompt has drawn, so it should come once that is in place.
 */
final class AutoNegativeStart implements GenerationListener {
    /** Relative change of the positive x0 between calls below which the content counts as settled. */
    static final double TOLERANCE = 0.05;

    private final boolean vPrediction;
    private float[] previous;
    private int start = -1;

    AutoNegativeStart(boolean vPrediction) {
        this.vPrediction = vPrediction;
    }

    @Override
    public Tensor onPrediction(StepPrediction p) {
        if (start >= 0) {
            return null;
        }
        float[] x0 = Tensors.toFloats(p.predictedOriginal(p.epsPositive(), vPrediction));
        if (previous != null && relativeChange(x0, previous) < TOLERANCE) {
            start = (int) Math.ceil((double) (p.call() + 1) * p.steps() / p.calls());
        }
        previous = x0;
        return null;
    }

    /** Whether the start has been picked and call {@code call} of {@code calls} is at or after it. */
    boolean reached(int call, int calls, int steps) {
        return start >= 0 && (double) call * steps / calls >= start;
    }

    /** The picked step, or {@code steps} (never) when the content did not settle before the end. */
    int start(int steps) {
        return start >= 0 ? Math.min(start, steps) : steps;
    }

    static double relativeChange(float[] x, float[] previous) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - previous[i];
            difference += d * d;
            norm += (double) x[i] * x[i];
        }
        return Math.sqrt(difference / norm);
    }
}
