package dev.torchsd.prompt;

import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.Locale;

/**
 * How token weights act on the text encoder's output (one chunk, (1, 77, hidden)), AUTOMATIC1111's
 * "Emphasis mode" setting.
 */
public enum Emphasis {
    /**
     * Multiply each token's hidden state by its weight, then scale all back to the chunk's original
     * mean (AUTOMATIC1111's default). Where the weighted mean is 0 the scaling is skipped.
     */
    ORIGINAL("Original"),
    /** Brackets are read (and removed from the text) but weights are not applied. */
    IGNORE("Ignore"),
    /** Multiply by the weights, without restoring the mean. */
    NO_NORM("No norm");

    static {
        LibTorch.ensureLoaded();
    }

    private final String label;

    Emphasis(String label) {
        this.label = label;
    }

    /** AUTOMATIC1111's name of the mode, as in its infotext. */
    public String label() {
        return label;
    }

    /** "original", "ignore", "no-norm" (or the AUTOMATIC1111 labels, any case). */
    public static Emphasis parse(String text) {
        String key = text.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        for (Emphasis e : values()) {
            if (e.label.toLowerCase(Locale.ROOT).replace(' ', '-').equals(key)) {
                return e;
            }
        }
        throw new PromptException("unknown emphasis mode '" + text + "': expected original, ignore or no-norm");
    }

    /**
     * The weighted hidden states: {@code z} (1, T, H) and one weight per token, {@code weights} (T).
     * A result in the caller's scope; {@code z} itself is left as it is.
     */
    public Tensor apply(Tensor z, float[] weights) {
        if (this == IGNORE) {
            return Tensors.scoped(z::clone);
        }
        return Tensors.scoped(() -> {
            Tensor w = Tensors.fromFloats(weights, 1, weights.length, 1).to(z.device(), z.scalar_type());
            Tensor weighted = z.mul(w.expand_as(z));
            if (this == NO_NORM) {
                return weighted;
            }
            Tensor ratio = z.mean().div(weighted.mean());
            if (!Double.isFinite(ratio.item_double())) {
                return weighted;  // a weighted mean of 0: nothing to scale back to (AUTOMATIC1111 would give NaN)
            }
            return weighted.mul(ratio);
        });
    }
}
