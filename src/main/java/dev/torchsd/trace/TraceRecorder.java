package dev.torchsd.trace;

import dev.torchsd.image.ImageConversion;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import org.bytedeco.pytorch.Tensor;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Records every U-Net call of a generation: the numbers of {@link StepRecord} and a preview of the
 * predicted clean image x0, by the cheap linear latent-to-RGB map or, with {@code realDecode},
 * by the model's VAE. It only reads the predictions; the image is the same as without it.
 */
public final class TraceRecorder implements GenerationListener {
    private final StableDiffusion sd;
    private final boolean realDecode;
    private final boolean vPrediction;
    private final List<StepRecord> records = new ArrayList<>();
    private final List<BufferedImage> previews = new ArrayList<>();

    public TraceRecorder(StableDiffusion sd, boolean realDecode) {
        this.sd = sd;
        this.realDecode = realDecode;
        this.vPrediction = sd.info().predictionType().equals("v_prediction");
    }

    @Override
    public Tensor onPrediction(StepPrediction p) {
        // Runs inside the pipeline's per-step PointerScope: every temporary here is freed with the step.
        double normPositive = norm(p.epsPositive());
        StepRecord record;
        if (p.epsNegative() == null) {
            record = new StepRecord(p.call(), p.timestep(), p.sigma(), false, Double.NaN, normPositive, Double.NaN,
                    Double.NaN, Double.NaN);
        } else {
            Tensor difference = p.epsPositive().sub(p.epsNegative());
            double normNegative = norm(p.epsNegative());
            double normDifference = norm(difference);
            double dot = p.epsPositive().mul(p.epsNegative()).sum().item_double();
            record = new StepRecord(p.call(), p.timestep(), p.sigma(), p.negativeActive(), normNegative, normPositive,
                    normDifference, dot / (normNegative * normPositive), Math.abs(p.guidanceScale()) * normDifference);
        }
        records.add(record);
        Tensor x0 = p.predictedOriginal(p.guided(), vPrediction);
        previews.add(realDecode ? sd.decodeLatents(x0.narrow(0, 0, 1)).get(0)
                : LatentPreview.of(x0));
        return null;
    }

    private static double norm(Tensor t) {
        return t.norm().item_double();
    }

    public List<StepRecord> records() {
        return List.copyOf(records);
    }

    public List<BufferedImage> previews() {
        return List.copyOf(previews);
    }
}
