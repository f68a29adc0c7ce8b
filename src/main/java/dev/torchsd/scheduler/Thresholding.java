package dev.torchsd.scheduler;

import static dev.torchsd.scheduler.ConfigKey.CLIP_SAMPLE;
import static dev.torchsd.scheduler.ConfigKey.CLIP_SAMPLE_RANGE;
import static dev.torchsd.scheduler.ConfigKey.DYNAMIC_THRESHOLDING_RATIO;
import static dev.torchsd.scheduler.ConfigKey.SAMPLE_MAX_VALUE;
import static dev.torchsd.scheduler.ConfigKey.THRESHOLDING;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * The x0 clamps and their config keys: fixed {@code clip_sample} to [-clip_sample_range, clip_sample_range],
 * or Imagen's dynamic thresholding ({@code thresholding}: per image, s = the
 * {@code dynamic_thresholding_ratio} quantile of |x0| clamped to [1, sample_max_value];
 * x0 = clamp(x0, -s, s) / s).
 */
record Thresholding(
        boolean thresholding,
        double dynamicThresholdingRatio,
        double sampleMaxValue,
        boolean clipSample,
        double clipSampleRange) {

    /** DDIM's and DDPM's keys: both clamps, clip_sample on by default as in diffusers. */
    static Thresholding read(SchedulerConfig c) {
        Thresholding dynamic = dynamicOnly(c);
        return new Thresholding(
                dynamic.thresholding,
                dynamic.dynamicThresholdingRatio,
                dynamic.sampleMaxValue,
                c.flag(CLIP_SAMPLE, true),
                c.number(CLIP_SAMPLE_RANGE, 1.0));
    }

    /** The DPM-Solver family's keys: dynamic thresholding only (they have no clip_sample). */
    static Thresholding dynamicOnly(SchedulerConfig c) {
        return new Thresholding(
                c.flag(THRESHOLDING, false),
                c.number(DYNAMIC_THRESHOLDING_RATIO, 0.995),
                c.number(SAMPLE_MAX_VALUE, 1.0),
                false,
                1.0);
    }

    /** Heun's keys: clip_sample (off by default) and clip_sample_range, no dynamic thresholding. */
    static Thresholding clipOnly(SchedulerConfig c) {
        return new Thresholding(false, 0.995, 1.0, c.flag(CLIP_SAMPLE, false), c.number(CLIP_SAMPLE_RANGE, 1.0));
    }

    /** Applies dynamic thresholding if configured, else clip_sample if configured (diffusers' order). */
    Tensor apply(Tensor x0) {
        if (thresholding) {
            return dynamic(x0);
        }
        return clipSample ? TensorMath.clip(x0, clipSampleRange) : x0;
    }

    private Tensor dynamic(Tensor x0) {
        long batch = x0.size(0);
        Tensor flat = x0.reshape(batch, -1);
        Tensor s = flat.abs().quantile(dynamicThresholdingRatio, new LongOptional(1), false, "linear");
        s = s.clamp(new ScalarOptional(new Scalar(1.0)), new ScalarOptional(new Scalar(sampleMaxValue)))
                .unsqueeze(1);
        Tensor clamped =
                flat.clamp(new TensorOptional(s.neg()), new TensorOptional(s)).div(s);
        long[] shape = new long[(int) x0.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = x0.size(i);
        }
        return clamped.reshape(shape);
    }
}
