package dev.torchsd.pipeline;

/** Told after every denoising step of one request; returning false cancels the request. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (step, totalSteps) -> true;

    /**
     * @param step       the number of steps done (1..totalSteps)
     * @param totalSteps the number of U-Net calls of this request
     * @return true to go on, false to cancel (the generation then throws {@link GenerationCancelledException})
     */
    boolean onStep(int step, int totalSteps);
}
