package dev.torchsd.pipeline;

import java.util.List;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;

/**
 * Follows one generation: told about every U-Net call's predictions (and may replace the guided
 * one) and about every finished step (and may cancel). Implement the methods you need; the
 * factories make a listener of one callback:
 * <pre>
 * sd.generate(request, GenerationListener.onEachStep(p -&gt; { System.out.println(p.step()); return true; }));
 * sd.generate(request, GenerationListener.onEachPrediction(p -&gt; p.epsNegative() == null ? null
 *         : p.epsPositive().add(p.epsPositive().sub(p.epsNegative()).mul(new Scalar(p.guidanceScale() - 1)))));
 * </pre>
 * Tensors handed to a listener are valid only during the call; copy what you keep.
 */
public interface GenerationListener {
    /** Follows nothing. */
    GenerationListener NONE = new GenerationListener() {};

    /**
     * After U-Net call {@code prediction.call()}'s guidance, before the scheduler's step.
     *
     * @param prediction the call's number, its timestep and its predictions (valid during this call only)
     * @return a tensor of the guided prediction's shape to use instead of it, or null to keep it. A
     *         returned tensor made during this call is freed by the pipeline after the step.
     */
    default Tensor onPrediction(StepPrediction prediction) {
        return null;
    }

    /**
     * Whether this listener wants {@link StepPrediction#epsEmpty()}: a diagnostic, the U-Net then also
     * runs on the empty prompt at the calls that use the negative prompt (batch {@code [empty; negative;
     * positive]}); the guided prediction still comes from the negative and positive branches.
     *
     * @return true to get the empty prompt's prediction too (default false)
     */
    default boolean wantsEmptyPrediction() {
        return false;
    }

    /**
     * After every denoising step.
     *
     * @param progress the step just finished, of how many, and the latents after it
     * @return true to go on, false to cancel (the generation then throws {@link GenerationCancelledException})
     */
    default boolean onStep(StepProgress progress) {
        return true;
    }

    /**
     * A listener told about every finished step.
     *
     * @param callback given each step's progress; false cancels the generation
     * @return a listener that sees no predictions
     */
    static GenerationListener onEachStep(java.util.function.Predicate<StepProgress> callback) {
        return new GenerationListener() {
            @Override
            public boolean onStep(StepProgress progress) {
                return callback.test(progress);
            }
        };
    }

    /**
     * A listener shown every prediction, which may replace the guided one.
     *
     * @param callback given each prediction; returns a replacement for the guided one, or null to keep it
     * @return a listener that never cancels
     */
    static GenerationListener onEachPrediction(Function<StepPrediction, Tensor> callback) {
        return new GenerationListener() {
            @Override
            public Tensor onPrediction(StepPrediction prediction) {
                return callback.apply(prediction);
            }
        };
    }

    /**
     * All of {@code listeners}, in order: each sees every step (the generation goes on while all say
     * so) and every prediction (a replacement from one is what the next ones see as guided).
     *
     * @param listeners the listeners, called in this order
     * @return one listener made of them
     */
    static GenerationListener all(GenerationListener... listeners) {
        List<GenerationListener> list = List.of(listeners);
        return new GenerationListener() {
            @Override
            public boolean wantsEmptyPrediction() {
                return list.stream().anyMatch(GenerationListener::wantsEmptyPrediction);
            }

            @Override
            public Tensor onPrediction(StepPrediction prediction) {
                Tensor replaced = null;
                StepPrediction current = prediction;
                for (GenerationListener l : list) {
                    Tensor r = l.onPrediction(current);
                    if (r != null) {
                        replaced = r;
                        current = current.withGuided(r);
                    }
                }
                return replaced;
            }

            @Override
            public boolean onStep(StepProgress progress) {
                boolean goOn = true;
                for (GenerationListener l : list) {
                    goOn &= l.onStep(progress);
                }
                return goOn;
            }
        };
    }
}
