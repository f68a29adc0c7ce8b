package dev.torchsd.generation;

import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code --negative-start auto}: the negative prompt starts once the positive prompt's content holds what
 * the negative prompt names. Until then the generation is the one without a negative prompt (the
 * unconditional branch is the empty prompt); at each of those calls the negative prompt's prediction on
 * the same latents is made too (a separate U-Net call, {@link NegativeProbe}), and its own effect
 * {@code eps(neg) - eps(empty)} is compared with the content {@code eps(pos) - eps(empty)}
 * ({@link NegativeAlignment}). While their alignment is negative the negative prompt would pull the
 * layout away from the content (it redraws the scene); at the first call at which the alignment exceeds
 * {@link #THRESHOLD} the content has begun to show the negated attribute, and the negative prompt starts at the next call's step (rounded up to a whole step, so the
 * request {@code --negative-start S} with that step reproduces the generation). This is the paper's
 * "critical step" (arXiv:2406.02965) read from the predictions: a negative prompt acts by cancelling what
 * the positive prompt has drawn, so it should come once that is there (docs/negative-prompts.md).
 */
final class AutoNegativeStart implements GenerationListener {
    /** The alignment above which the content counts as showing the negated attribute: no longer anti-aligned. */
    static final double THRESHOLD = 0.0;

    /** The negative prompt's prediction on a call's latents, made beside the guidance batch. */
    interface NegativeProbe {
        /** eps(neg) for the call's model input, a tensor of the call's scope; null outside the negative window. */
        Tensor predict(StepPrediction call);
    }

    private final NegativeProbe probe;
    private int start = -1;

    AutoNegativeStart(NegativeProbe probe) {
        this.probe = probe;
    }

    @Override
    public Tensor onPrediction(StepPrediction p) {
        if (start >= 0 || p.epsNegative() == null) {
            return null; // picked already, or no guidance: the negative prompt is never used
        }
        Tensor negative = probe.predict(p);
        // before the pick the unconditional branch is the empty prompt
        if (negative != null
                && NegativeAlignment.of(p.epsNegative(), negative, p.epsPositive())
                                .alignment()
                        > THRESHOLD) {
            start = (int) Math.ceil((double) (p.call() + 1) * p.steps() / p.calls());
        }
        return null;
    }

    /** Whether the start has been picked and call {@code call} of {@code calls} is at or after it. */
    boolean reached(int call, int calls, int steps) {
        return start >= 0 && (double) call * steps / calls >= start;
    }

    /** The picked step, or {@code steps} (never) when the content did not show the attribute before the end. */
    int start(int steps) {
        return start >= 0 ? Math.min(start, steps) : steps;
    }
}
