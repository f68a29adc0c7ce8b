package dev.torchsd.generation;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * What the negative prompt does at one U-Net call, measured against the empty prompt's prediction
 * (the three-way batch {@code [empty; negative; positive]}): its own effect and whether that effect
 * points with or against the positive prompt's content.
 *
 * @param effect    {@code |eps(neg) - eps(empty)|}, the negative prompt's own effect
 * @param content   {@code |eps(pos) - eps(empty)|}, the positive prompt's own effect
 * @param alignment {@code cos(eps(neg) - eps(empty), eps(pos) - eps(empty))}: below 0 the negative prompt
 *                  pulls away from the content, above 0 the content holds what the negative prompt names
 */
public record NegativeAlignment(double effect, double content, double alignment) {

    /** Measures one call's three predictions (all images of the batch together). */
    public static NegativeAlignment of(Tensor empty, Tensor negative, Tensor positive) {
        try (PointerScope scope = new PointerScope()) {
            Tensor own = negative.sub(empty);
            Tensor content = positive.sub(empty);
            double effect = own.norm().item_double();
            double contentNorm = content.norm().item_double();
            double dot = own.mul(content).sum().item_double();
            return new NegativeAlignment(effect, contentNorm, dot / (effect * contentNorm));
        }
    }
}
