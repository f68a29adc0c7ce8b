package dev.torchsd.scheduler;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The x0 clamps of the alpha_bar samplers: fixed {@code clip_sample} to [-range, range], or Imagen's
 * dynamic thresholding ({@code thresholding}: per image, s = the {@code dynamic_thresholding_ratio}
 * quantile of |x0| clamped to [1, sample_max_value]; x0 = clamp(x0, -s, s) / s).
 */
final class Thresholding {
    private final boolean dynamic;
    private final double ratio;
    private final double maxValue;
    private final boolean clip;
    private final double clipRange;

    Thresholding(SchedulerConfig config, boolean clipDefault) {
        dynamic = config.flag("thresholding", false);
        ratio = config.number("dynamic_thresholding_ratio", 0.995);
        maxValue = config.number("sample_max_value", 1.0);
        clip = config.flag("clip_sample", clipDefault);
        clipRange = config.number("clip_sample_range", 1.0);
    }

    /** Applies dynamic thresholding if configured, else clip_sample if configured (diffusers' order). */
    Tensor apply(Tensor x0) {
        if (dynamic) {
            return dynamic(x0);
        }
        return clip ? Tensors.clip(x0, clipRange) : x0;
    }

    /** Dynamic thresholding only (the DPM-Solver family ignores clip_sample). */
    Tensor applyDynamicOnly(Tensor x0) {
        return dynamic ? dynamic(x0) : x0;
    }

    private Tensor dynamic(Tensor x0) {
        long batch = x0.size(0);
        Tensor flat = x0.reshape(batch, -1);
        Tensor s = flat.abs().quantile(ratio, new LongOptional(1), false, "linear");
        s = s.clamp(new ScalarOptional(new Scalar(1.0)), new ScalarOptional(new Scalar(maxValue))).unsqueeze(1);
        Tensor clamped = flat.clamp(new org.bytedeco.pytorch.TensorOptional(s.neg()),
                new org.bytedeco.pytorch.TensorOptional(s)).div(s);
        long[] shape = new long[(int) x0.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = x0.size(i);
        }
        return clamped.reshape(shape);
    }
}
