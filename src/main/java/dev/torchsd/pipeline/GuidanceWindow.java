package dev.torchsd.pipeline;

/**
 * Where classifier-free guidance runs. At a call outside the window the U-Net runs the positive
 * prompt alone (batch B instead of 2B: about half the call's work) and its prediction is used
 * unguided, as both AUTOMATIC1111 and diffusers do it. A speed-for-quality trade, off by default
 * ({@link #OFF}); docs/performance.md measures it.
 *
 * <ul>
 *   <li>AUTOMATIC1111's "Negative Guidance minimum sigma" ({@code s_min_uncond}, infotext {@code NGMS}):
 *       at calls whose sigma is below {@code minSigma} the unconditional half is skipped, at every other
 *       call (the odd ones, counted from 0) unless {@code allSteps} ("NGMS all steps"). The sigma of
 *       a call is the sampler's where it has sigmas, else {@code sqrt((1 - alphaBar) / alphaBar)} of its
 *       timestep (the same number).</li>
 *   <li>diffusers' {@code SDCFGCutoffCallback(cutoff_step_ratio)}: guidance stops after call
 *       {@code (int) (calls * cutoffRatio)} (that call still guided).</li>
 * </ul>
 *
 * @param minSigma    AUTOMATIC1111's s_min_uncond; 0 = off
 * @param allSteps    skip at every call below {@code minSigma}, not every other one
 * @param cutoffRatio diffusers' cutoff_step_ratio in 0..1; 1 = off
 */
public record GuidanceWindow(double minSigma, boolean allSteps, double cutoffRatio) {
    /** Guidance at every call (the default). */
    public static final GuidanceWindow OFF = new GuidanceWindow(0, false, 1.0);

    /**
     * Checks the values.
     *
     * @param minSigma    AUTOMATIC1111's s_min_uncond; 0 = off
     * @param allSteps    skip at every call below {@code minSigma}, not every other one
     * @param cutoffRatio diffusers' cutoff_step_ratio in 0..1; 1 = off
     * @throws RequestException if minSigma is negative or not finite, or cutoffRatio is outside 0..1
     */
    public GuidanceWindow {
        if (!(minSigma >= 0) || Double.isInfinite(minSigma)) {
            throw new RequestException("negative guidance minimum sigma (NGMS) must be >= 0, got " + minSigma);
        }
        if (!(cutoffRatio >= 0 && cutoffRatio <= 1)) {
            throw new RequestException("CFG cutoff step ratio must be in 0..1, got " + cutoffRatio);
        }
    }

    /**
     * AUTOMATIC1111's "Negative Guidance minimum sigma" alone.
     *
     * @param minSigma s_min_uncond; 0 = off
     * @param allSteps at every call below it, not every other one
     * @return the window
     */
    public static GuidanceWindow minSigma(double minSigma, boolean allSteps) {
        return new GuidanceWindow(minSigma, allSteps, 1.0);
    }

    /**
     * diffusers' CFG cut-off alone.
     *
     * @param ratio cutoff_step_ratio in 0..1
     * @return the window
     */
    public static GuidanceWindow cutoff(double ratio) {
        return new GuidanceWindow(0, false, ratio);
    }

    /**
     * Whether guidance runs at every call.
     *
     * @return true for {@link #OFF}'s settings
     */
    public boolean always() {
        return minSigma == 0 && cutoffRatio == 1.0;
    }

    /**
     * Whether U-Net call {@code call} of {@code calls}, at noise level {@code sigma}, skips the unconditional half.
     *
     * @param call  the U-Net call, from 0
     * @param calls the U-Net calls of the request
     * @param sigma the call's noise level
     * @return true to run the positive prompt alone
     */
    public boolean skipsAt(int call, int calls, double sigma) {
        boolean cutOff = cutoffRatio < 1.0 && call > (int) (calls * cutoffRatio);
        boolean belowMinSigma = minSigma > 0 && sigma < minSigma && (allSteps || call % 2 == 1);
        return cutOff || belowMinSigma;
    }
}
