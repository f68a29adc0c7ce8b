package dev.torchsd.pipeline;

import org.bytedeco.pytorch.Tensor;

/**
 * Sees every U-Net call's predictions and may replace the guided noise, e.g. to try a new guidance
 * rule from jshell:
 * <pre>
 * sd.generate(request, ProgressListener.NONE, p -&gt; p.epsNegative() == null ? null
 *         : p.epsPositive().add(p.epsPositive().sub(p.epsNegative()).mul(new Scalar(p.guidanceScale() - 1))));
 * </pre>
 */
@FunctionalInterface
public interface StepObserver {
    StepObserver NONE = p -> null;

    /**
     * @return a tensor of the guided prediction's shape to use instead of it, or null to keep it. A returned
     * tensor made during this call is freed by the pipeline after the step.
     */
    Tensor onPrediction(StepPrediction prediction);
}
