package dev.torchsd.prompt;

import dev.torchsd.pipeline.Emphasis;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** How an {@link Emphasis} mode puts token weights onto the text encoder's output (one chunk, (1, 77, hidden)). */
final class EmphasisWeights {
    static {
        LibTorch.ensureLoaded();
    }

    private EmphasisWeights() {}

    /**
     * The weighted hidden states: {@code z} (1, T, H) and one weight per token, {@code weights} (T).
     * A result in the caller's scope; {@code z} itself is left as it is.
     */
    static Tensor apply(Emphasis emphasis, Tensor z, float[] weights) {
        if (emphasis == Emphasis.IGNORE) {
            return Tensors.scoped(z::clone);
        }
        return Tensors.scoped(() -> {
            Tensor w = Tensors.fromFloats(weights, 1, weights.length, 1).to(z.device(), z.scalar_type());
            Tensor weighted = z.mul(w.expand_as(z));
            if (emphasis == Emphasis.NO_NORM) {
                return weighted;
            }
            Tensor ratio = z.mean().div(weighted.mean());
            if (!Double.isFinite(ratio.item_double())) {
                return weighted; // a weighted mean of 0: nothing to scale back to (AUTOMATIC1111 would give NaN)
            }
            return weighted.mul(ratio);
        });
    }
}
