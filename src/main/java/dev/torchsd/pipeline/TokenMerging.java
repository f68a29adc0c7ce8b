package dev.torchsd.pipeline;

/**
 * Token merging for Stable Diffusion (Bolya and Hoffman 2023, "ToMe for SD"), as AUTOMATIC1111 applies tomesd
 * ({@code use_rand=False}, {@code sx = sy = 2}, self-attention only): before each self-attention of a transformer
 * block at a level whose latents are down-sampled by a factor of at most {@code maxDownsample},
 * {@code int(tokens x ratio)} tokens are averaged into their most similar neighbours (one destination token per 2x2
 * block), and the attention's result is copied back to every token after it. Less attention work, approximate:
 * {@link #OFF} is the default.
 * Needs an export with the U-Net method {@code forward_tome} ({@code unet.tome}); excludes DeepCache.
 *
 * @param ratio         the share of each map's tokens merged away, in [0, 1); 0 = off (AUTOMATIC1111's
 *                      {@code token_merging_ratio}; tomesd merges at most the 3 in 4 tokens that are not
 *                      destinations)
 * @param maxDownsample the deepest level merged, by its down-sampling: 1 (the first level, tomesd's and
 *                      AUTOMATIC1111's default), 2, 4 or 8 (tomesd's {@code max_downsample})
 */
public record TokenMerging(double ratio, int maxDownsample) {
    /** tomesd's default {@code max_downsample}: the full-resolution level only. */
    public static final int DEFAULT_MAX_DOWNSAMPLE = 1;

    /** No token merging (the default). */
    public static final TokenMerging OFF = new TokenMerging(0, DEFAULT_MAX_DOWNSAMPLE);

    /**
     * Merging at the full-resolution level only, as AUTOMATIC1111 does.
     *
     * @param ratio the share of tokens merged away, in [0, 1)
     * @return the setting; checked by {@link #check} when a generation starts
     */
    public static TokenMerging of(double ratio) {
        return new TokenMerging(ratio, DEFAULT_MAX_DOWNSAMPLE);
    }

    /**
     * Whether any token is merged.
     *
     * @return true for a ratio above 0
     */
    public boolean enabled() {
        return ratio > 0;
    }

    /**
     * These settings with another ratio.
     *
     * @param r the share of tokens merged away
     * @return new settings; these are unchanged
     */
    public TokenMerging withRatio(double r) {
        return new TokenMerging(r, maxDownsample);
    }

    /**
     * The setting of a hires fix's second pass: the fix's ratio where it has one (AUTOMATIC1111's
     * {@code token_merging_ratio_hr}), else these settings.
     *
     * @param fix the request's hires fix
     * @return the second pass's setting
     */
    public TokenMerging forHires(HiresFix fix) {
        return fix.tokenMergingRatio() > 0 ? withRatio(fix.tokenMergingRatio()) : this;
    }

    /**
     * Refuses a ratio outside [0, 1) and a max downsample that is not 1, 2, 4 or 8.
     *
     * @throws RequestException naming the value and the allowed range
     */
    public void check() {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new RequestException("token merging (ToMe) ratio must be in [0, 1) (0: off), got " + ratio);
        }
        if (maxDownsample != 1 && maxDownsample != 2 && maxDownsample != 4 && maxDownsample != 8) {
            throw new RequestException(
                    "token merging (ToMe) max downsample must be 1, 2, 4 or 8 (a level's down-sampling), got "
                            + maxDownsample);
        }
    }

    /** "token merging RATIO (max downsample N)", or "token merging off". */
    @Override
    public String toString() {
        return enabled() ? "token merging " + ratio + " (max downsample " + maxDownsample + ")" : "token merging off";
    }
}
