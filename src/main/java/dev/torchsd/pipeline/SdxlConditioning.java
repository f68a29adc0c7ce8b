package dev.torchsd.pipeline;

import java.util.Objects;
import java.util.Optional;

/**
 * What an SDXL model is conditioned on beyond the prompts (ignored by SD 1.x/2.x models): the size
 * micro-conditioning of the prompt and of the negative prompt, the refiner's aesthetic scores, and what an
 * empty negative prompt is.
 *
 * @param size                   the prompt's size conditioning
 * @param negativeSize           the negative prompt's; empty = the prompt's (diffusers, when no negative size is given)
 * @param aestheticScore         the refiner's aesthetic score for the prompt (diffusers' default 6.0)
 * @param negativeAestheticScore the refiner's for the negative prompt (diffusers' default 2.5)
 * @param encodeEmptyNegative    false (default): on a model whose manifest says {@code force_zeros_for_empty_prompt}
 *                               (SDXL base) an empty negative prompt is zeros, as diffusers; true: the empty prompt
 *                               is encoded, as SD 1.x always does
 */
public record SdxlConditioning(
        SizeConditioning size,
        Optional<SizeConditioning> negativeSize,
        double aestheticScore,
        double negativeAestheticScore,
        boolean encodeEmptyNegative) {
    /** diffusers' defaults. */
    public static final SdxlConditioning DEFAULT =
            new SdxlConditioning(SizeConditioning.DEFAULT, Optional.empty(), 6.0, 2.5, false);

    /**
     * Checks the values.
     *
     * @param size                   the prompt's size conditioning
     * @param negativeSize           the negative prompt's; empty = the prompt's
     * @param aestheticScore         the refiner's aesthetic score for the prompt
     * @param negativeAestheticScore the refiner's for the negative prompt
     * @param encodeEmptyNegative    whether an empty negative prompt is encoded rather than zeros
     * @throws RequestException if an aesthetic score is not a finite number
     * @throws NullPointerException if {@code size} or {@code negativeSize} is null
     */
    public SdxlConditioning {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(negativeSize, "negativeSize");
        if (!Double.isFinite(aestheticScore) || !Double.isFinite(negativeAestheticScore)) {
            throw new RequestException("aesthetic scores must be finite numbers, got " + aestheticScore + " and "
                    + negativeAestheticScore);
        }
    }

    /**
     * This conditioning with another size conditioning for the prompt.
     *
     * @param value the prompt's size conditioning
     * @return a new value
     */
    public SdxlConditioning withSize(SizeConditioning value) {
        return new SdxlConditioning(value, negativeSize, aestheticScore, negativeAestheticScore, encodeEmptyNegative);
    }

    /**
     * This conditioning with a size conditioning of its own for the negative prompt.
     *
     * @param value the negative prompt's; null = the prompt's
     * @return a new value
     */
    public SdxlConditioning withNegativeSize(SizeConditioning value) {
        return new SdxlConditioning(
                size, Optional.ofNullable(value), aestheticScore, negativeAestheticScore, encodeEmptyNegative);
    }

    /**
     * This conditioning with other aesthetic scores (the refiner's).
     *
     * @param score    the prompt's
     * @param negative the negative prompt's
     * @return a new value
     */
    public SdxlConditioning withAestheticScores(double score, double negative) {
        return new SdxlConditioning(size, negativeSize, score, negative, encodeEmptyNegative);
    }

    /**
     * This conditioning with the empty negative prompt encoded (true) or zeros (false, diffusers).
     *
     * @param encode whether to encode it
     * @return a new value
     */
    public SdxlConditioning withEncodeEmptyNegative(boolean encode) {
        return new SdxlConditioning(size, negativeSize, aestheticScore, negativeAestheticScore, encode);
    }
}
