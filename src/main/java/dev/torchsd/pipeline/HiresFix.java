package dev.torchsd.pipeline;

import java.util.Objects;

/**
 * AUTOMATIC1111's "hires fix" (enable_hr): the image is generated at the request size, upscaled by
 * {@code scale}, and denoised again there as image-to-image at {@code strength} with {@code steps}
 * steps (0 = the request's), from a generator seeded again with the request's seed.
 * <pre>
 * request.withHiresFix(HiresFix.of(2.0).withStrength(0.5).withUpscaler(HiresFix.Upscaler.LANCZOS))
 * </pre>
 *
 * @param scale    the factor from the request size to the final size, 1..4
 * @param strength the second pass's denoising strength, 0..1 (AUTOMATIC1111's denoising_strength)
 * @param steps    the second pass's steps; 0 = the request's (AUTOMATIC1111's hr_second_pass_steps)
 * @param upscaler how the first image is upscaled
 * @param tokenMergingRatio the second pass's token merging ratio, in [0, 1); 0 = the request's
 *                 (AUTOMATIC1111's token_merging_ratio_hr; {@link TokenMerging#forHires})
 */
public record HiresFix(double scale, double strength, int steps, Upscaler upscaler, double tokenMergingRatio) {
    /** AUTOMATIC1111's default denoising strength for hires fix. */
    public static final double DEFAULT_STRENGTH = 0.7;

    /** How the first pass is upscaled. */
    public enum Upscaler {
        /** The latents, bilinear (AUTOMATIC1111's "Latent"). */
        LATENT("Latent"),
        /** The latents, nearest neighbour (AUTOMATIC1111's "Latent (nearest)"). */
        LATENT_NEAREST("Latent (nearest)"),
        /** The decoded image, PIL's Lanczos (AUTOMATIC1111's "Lanczos"); the second pass encodes it again. */
        LANCZOS("Lanczos");

        private final String label;

        Upscaler(String label) {
            this.label = label;
        }

        /**
         * The name AUTOMATIC1111's infotext uses.
         *
         * @return the label
         */
        public String label() {
            return label;
        }
    }

    /**
     * Checks the upscaler is given.
     *
     * @param scale    the factor the base image is upscaled by
     * @param strength the second pass's denoising strength, 0..1
     * @param steps    the second pass's steps; 0 = the request's
     * @param upscaler how the base result is upscaled
     * @param tokenMergingRatio the second pass's token merging ratio; 0 = the request's
     */
    public HiresFix {
        Objects.requireNonNull(upscaler, "upscaler");
    }

    /**
     * A hires fix whose second pass merges tokens as the first pass does.
     *
     * @param scale    the factor the base image is upscaled by
     * @param strength the second pass's denoising strength, 0..1
     * @param steps    the second pass's steps; 0 = the request's
     * @param upscaler how the base result is upscaled
     */
    public HiresFix(double scale, double strength, int steps, Upscaler upscaler) {
        this(scale, strength, steps, upscaler, 0);
    }

    /**
     * Upscale by {@code scale} with the latent upscaler, strength 0.7, the request's steps.
     *
     * @param scale the factor the base image is upscaled by
     * @return the hires-fix settings
     */
    public static HiresFix of(double scale) {
        return new HiresFix(scale, DEFAULT_STRENGTH, 0, Upscaler.LATENT);
    }

    /**
     * These settings with another value.
     *
     * @param s the second pass's denoising strength
     * @return new settings; these are unchanged
     */
    public HiresFix withStrength(double s) {
        return new HiresFix(scale, s, steps, upscaler, tokenMergingRatio);
    }

    /**
     * These settings with another value.
     *
     * @param n the second pass's steps; 0 = the request's
     * @return new settings; these are unchanged
     */
    public HiresFix withSteps(int n) {
        return new HiresFix(scale, strength, n, upscaler, tokenMergingRatio);
    }

    /**
     * These settings with another value.
     *
     * @param u how the base result is upscaled
     * @return new settings; these are unchanged
     */
    public HiresFix withUpscaler(Upscaler u) {
        return new HiresFix(scale, strength, steps, u, tokenMergingRatio);
    }

    /**
     * These settings with another value.
     *
     * @param ratio the second pass's token merging ratio; 0 = the request's
     * @return new settings; these are unchanged
     */
    public HiresFix withTokenMergingRatio(double ratio) {
        return new HiresFix(scale, strength, steps, upscaler, ratio);
    }
}
