package dev.torchsd.generation;

import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code --negative-start auto}: the negative prompt starts once its own effect no longer pulls clearly away
 * from the positive prompt's content. Until then the generation is the one without a negative prompt (the
 * unconditional branch is the empty prompt); at each of those calls the negative prompt's prediction on the
 * same latents is made too (a separate U-Net call, {@link NegativeProbe}), and its own effect
 * {@code eps(neg) - eps(empty)} is compared with the content {@code eps(pos) - eps(empty)}
 * ({@link NegativeAlignment}). While their alignment is clearly negative the negative prompt would pull the
 * layout away from the content (it redraws the scene); once it has been above {@link #THRESHOLD} at
 * {@link #CALLS} calls in a row, the content has formed far enough to hold what the negative prompt names, and
 * the negative prompt acts from the next U-Net call on: the start is the first whole step after that call's
 * position, so the request {@code --negative-start S} with that step reproduces the generation. This is the
 * paper's "critical step" (arXiv:2406.02965) read from the predictions: a negative prompt acts by cancelling
 * what the positive prompt has drawn, so it should come once that is there, and not much later, since the
 * attribute is fixed early (docs/negative-prompts.md, where the threshold was chosen on seeds 0-49 and
 * evaluated on seeds 1000-1049).
 */
final class AutoNegativeStart implements GenerationListener {
    /**
     * The alignment above which the negative prompt no longer pulls clearly away from the content (unrelated
     * directions of a latent have a cosine near 0; the attribute forms while the alignment is still slightly
     * negative, so 0 starts too late).
     */
    static final double THRESHOLD = -0.25;

    /** How many calls in a row the alignment must exceed {@link #THRESHOLD}: one call alone can swing. */
    static final int CALLS = 2;

    /** The negative prompt's prediction on a call's latents, made beside the guidance batch. */
    interface NegativeProbe {
        /** eps(neg) for the call's model input, a tensor of the call's scope; null outside the negative window. */
        Tensor predict(StepPrediction call);
    }

    private final NegativeProbe probe;
    private int start = -1;
    private int above;

    AutoNegativeStart(NegativeProbe probe) {
        this.probe = probe;
    }

    @Override
    public Tensor onPrediction(StepPrediction p) {
        if (start >= 0 || p.epsNegative() == null) {
            return null; // picked already, or no guidance: the negative prompt is never used
        }
        Tensor negative = probe.predict(p);
        if (negative == null) {
            return null;
        }
        // before the pick the unconditional branch is the empty prompt
        boolean aligned =
                NegativeAlignment.of(p.epsNegative(), negative, p.epsPositive()).alignment() > THRESHOLD;
        above = aligned ? above + 1 : 0;
        if (above >= CALLS) {
            start = firstStepAfter(p.call(), p.calls(), p.steps());
        }
        return null;
    }

    /**
     * The first whole step after call {@code call}'s position {@code call * steps / calls}: call {@code call} itself
     * was not active there, so the fixed start of that step reproduces the generation, and the negative prompt acts
     * from the next call at or after it (the very next call for samplers with one call per step and for PLMS).
     */
    static int firstStepAfter(int call, int calls, int steps) {
        return (int) Math.floor((double) call * steps / calls) + 1;
    }

    /** Whether the start has been picked and call {@code call} of {@code calls} is at or after it. */
    boolean reached(int call, int calls, int steps) {
        return start >= 0 && (double) call * steps / calls >= start;
    }

    /** The picked step, or {@code steps} (never) when the alignment did not pass the threshold before the end. */
    int start(int steps) {
        return start >= 0 ? Math.min(start, steps) : steps;
    }
}
