package dev.torchsd.generation;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Classifier-free guidance as diffusers computes it. The U-Net runs once on the batch
 * {@code [negative; positive]}; the prediction is {@code eps(neg) + w * (eps(pos) - eps(neg))}.
 */
public final class Guidance {
    private Guidance() {}

    /** The two halves of a guidance batch: rows 0..B-1 (negative) and B..2B-1 (positive). */
    public static TensorVector split(Tensor batchedPrediction) {
        return batchedPrediction.chunk(2, 0);
    }

    /** {@code negative + w * (positive - negative)}. */
    public static Tensor guide(Tensor negative, Tensor positive, double guidanceScale) {
        return Tensors.scoped(() -> negative.add(positive.sub(negative).mul(Tensors.scalar(guidanceScale))));
    }

    /** Splits a U-Net output of batch 2B into its negative (first B) and positive (last B) halves and guides. */
    public static Tensor combine(Tensor batchedPrediction, double guidanceScale) {
        return Tensors.scoped(() -> {
            TensorVector halves = split(batchedPrediction);
            return guide(halves.get(0), halves.get(1), guidanceScale);
        });
    }

    /**
     * diffusers' {@code rescale_noise_cfg} (Lin et al., "Common Diffusion Noise Schedules and Sample
     * Steps are Flawed", section 3.4): scale the guided noise to the positive prediction's standard
     * deviation per image, then mix by phi: {@code phi * rescaled + (1 - phi) * guided}.
     */
    public static Tensor rescale(Tensor guided, Tensor positive, double phi) {
        return Tensors.scoped(() -> {
            long[] dims = new long[(int) guided.dim() - 1];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = i + 1L;
            }
            Tensor stdPositive = positive.std(dims, true, true);
            Tensor stdGuided = guided.std(dims, true, true);
            Tensor rescaled = guided.mul(stdPositive.div(stdGuided));
            return rescaled.mul(Tensors.scalar(phi)).add(guided.mul(Tensors.scalar(1 - phi)));
        });
    }
}
