package dev.torchsd.generation;

import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.SdxlConditioning;
import dev.torchsd.pipeline.SizeConditioning;
import dev.torchsd.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * SDXL's {@code add_time_ids}, one row (1, n) float32 per side, as diffusers' {@code _get_add_time_ids}:
 * the base's original size (h, w), crop (top, left) and target size (h, w); the refiner's original size, crop
 * and aesthetic score. The negative side uses the request's negative size conditioning (else the prompt's) and
 * the negative aesthetic score. The tensors belong to the innermost PointerScope when made.
 */
record SdxlTimeIds(Tensor positive, Tensor negative) {

    /** The time ids of resolved request {@code r} on {@code model}, or null for a model without them. */
    static SdxlTimeIds of(Model model, GenerationRequest r) {
        Manifest manifest = model.manifest();
        if (manifest.unet().timeIds() == 0) {
            return null;
        }
        SdxlConditioning c = r.sdxl();
        boolean refiner = manifest.family().equals(Manifest.SDXL_REFINER);
        double[] positive = values(c.size(), c.aestheticScore(), refiner, r);
        double[] negative = values(c.negativeSize().orElse(c.size()), c.negativeAestheticScore(), refiner, r);
        var device = model.device().toTorch();
        return new SdxlTimeIds(row(positive, device), row(negative, device));
    }

    /** The numbers of one side. */
    static double[] values(SizeConditioning size, double aestheticScore, boolean refiner, GenerationRequest r) {
        double[] ids = size.timeIds(r.width().getAsInt(), r.height().getAsInt());
        if (!refiner) {
            return ids;
        }
        double[] withScore = Arrays.copyOf(ids, 5);
        withScore[4] = aestheticScore;
        return withScore;
    }

    private static Tensor row(double[] values, org.bytedeco.pytorch.Device device) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return Tensors.scoped(() -> Tensors.fromFloats(floats, 1, floats.length)
                .to(device, org.bytedeco.pytorch.global.torch.ScalarType.Float));
    }
}
