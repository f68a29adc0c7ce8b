package dev.torchsd.pipeline;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * What the U-Net predicted at one call of the denoising loop, shown to a {@link GenerationListener}.
 * The tensors are valid only during the observer's call; copy what you keep.
 *
 * @param call           U-Net call index, 0-based
 * @param calls          U-Net calls in this request
 * @param steps          the request's steps
 * @param timestep       the timestep fed to the U-Net
 * @param sigma          the scheduler's noise level at this call, or NaN when it has none
 * @param alphaBar       the training schedule's alphas_cumprod at this timestep
 * @param modelInput     the scaled latents the U-Net saw (batch B: the guidance batch's first half)
 * @param epsNegative    the unconditional branch's prediction (negative or empty prompt), null without guidance
 * @param epsPositive    the prompt's prediction
 * @param guided         the prediction passed to the scheduler (after guidance and guidance rescale)
 * @param negativeActive whether the unconditional branch used the negative prompt (false: the empty prompt)
 * @param guidanceScale  the guidance weight w
 * @param epsEmpty       the empty prompt's prediction while the negative prompt is active, for a listener that
 *                       {@linkplain GenerationListener#wantsEmptyPrediction() wants it}; else null
 */
public record StepPrediction(
        int call,
        int calls,
        int steps,
        double timestep,
        double sigma,
        double alphaBar,
        Tensor modelInput,
        Tensor epsNegative,
        Tensor epsPositive,
        Tensor guided,
        boolean negativeActive,
        double guidanceScale,
        Tensor epsEmpty) {

    /**
     * A prediction without the empty prompt's branch (the usual two-branch batch).
     *
     * @param call           U-Net call index, 0-based
     * @param calls          U-Net calls in this request
     * @param steps          the request's steps
     * @param timestep       the timestep fed to the U-Net
     * @param sigma          the scheduler's noise level at this call, or NaN
     * @param alphaBar       the training schedule's alphas_cumprod at this timestep
     * @param modelInput     the scaled latents the U-Net saw
     * @param epsNegative    the unconditional branch's prediction, null without guidance
     * @param epsPositive    the prompt's prediction
     * @param guided         the prediction passed to the scheduler
     * @param negativeActive whether the unconditional branch used the negative prompt
     * @param guidanceScale  the guidance weight w
     */
    public StepPrediction(
            int call,
            int calls,
            int steps,
            double timestep,
            double sigma,
            double alphaBar,
            Tensor modelInput,
            Tensor epsNegative,
            Tensor epsPositive,
            Tensor guided,
            boolean negativeActive,
            double guidanceScale) {
        this(
                call,
                calls,
                steps,
                timestep,
                sigma,
                alphaBar,
                modelInput,
                epsNegative,
                epsPositive,
                guided,
                negativeActive,
                guidanceScale,
                null);
    }

    /**
     * The clean latents x0 that {@code prediction} (this call's guided, positive or negative prediction)
     * implies, by the training schedule's alphas_cumprod a at this timestep: {@code (x - sqrt(1-a) eps) / sqrt(a)},
     * or {@code sqrt(a) x - sqrt(1-a) v} for v-prediction, with x the model input.
     *
     * @param prediction  one of this call's predictions
     * @param vPrediction whether the model predicts v rather than the noise
     * @return x0, a tensor of the current scope
     */
    public Tensor predictedOriginal(Tensor prediction, boolean vPrediction) {
        double a = alphaBar;
        Tensor scaledPrediction = prediction.mul(Tensors.scalar(Math.sqrt(1 - a)));
        if (vPrediction) {
            return modelInput.mul(Tensors.scalar(Math.sqrt(a))).sub(scaledPrediction);
        }
        return modelInput.sub(scaledPrediction).div(Tensors.scalar(Math.sqrt(a)));
    }

    /**
     * This prediction with another guided prediction (what a listener replaced it with).
     *
     * @param replacement a tensor of the guided prediction's shape
     * @return a new value; this one is unchanged
     */
    public StepPrediction withGuided(Tensor replacement) {
        return new StepPrediction(
                call,
                calls,
                steps,
                timestep,
                sigma,
                alphaBar,
                modelInput,
                epsNegative,
                epsPositive,
                replacement,
                negativeActive,
                guidanceScale,
                epsEmpty);
    }
}
