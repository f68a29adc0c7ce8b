package dev.torchsd.pipeline;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import dev.torchsd.tensor.Tensors;

/**
 * Classifier-free guidance as diffusers computes it. The U-Net runs once on the batch
 * {@code [negative; positive]}; the prediction is {@code eps(neg) + w * (eps(pos) - eps(neg))}.
 */
public final class Guidance {
    private Guidance() {
    }

    /** Splits a U-Net output of batch 2B into its negative (first B) and positive (last B) halves and guides. */
    public static Tensor combine(Tensor batchedPrediction, double guidanceScale) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector halves = batchedPrediction.chunk(2, 0);
            Tensor negative = halves.get(0);
            Tensor positive = halves.get(1);
            Tensor guided = negative.add(positive.sub(negative).mul(Tensors.scalar(guidanceScale)));
            return Tensors.keep(guided);
        }
    }
}
