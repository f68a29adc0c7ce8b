package dev.torchsd.trace;

import dev.torchsd.StableDiffusion;
import dev.torchsd.generation.NegativeAlignment;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

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
    private final boolean threeWay;
    private final List<BufferedImage> previews = new ArrayList<>();
    private final List<BufferedImage> branchPreviews = new ArrayList<>();
    private final List<String> branchLabels = new ArrayList<>();

    public TraceRecorder(StableDiffusion sd, boolean realDecode) {
        this(sd, realDecode, false);
    }

    /**
     * @param threeWay also run the empty prompt while the negative prompt is active and record the negative
     *                 prompt's own effect, its alignment with the positive prompt's, and each branch's x0
     */
    public TraceRecorder(StableDiffusion sd, boolean realDecode, boolean threeWay) {
        this.sd = sd;
        this.realDecode = realDecode;
        this.threeWay = threeWay;
        this.vPrediction = sd.info().predictionType().equals("v_prediction");
    }

    @Override
    public boolean wantsEmptyPrediction() {
        return threeWay;
    }

    @Override
    public Tensor onPrediction(StepPrediction p) {
        // Runs inside the pipeline's per-step PointerScope: every temporary here is freed with the step.
        double normPositive = norm(p.epsPositive());
        StepRecord record;
        if (p.epsNegative() == null) {
            record = new StepRecord(
                    p.call(),
                    p.timestep(),
                    p.sigma(),
                    false,
                    Double.NaN,
                    normPositive,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN);
        } else {
            Tensor difference = p.epsPositive().sub(p.epsNegative());
            double normNegative = norm(p.epsNegative());
            double normDifference = norm(difference);
            double negativeEffect = Double.NaN;
            double alignment = Double.NaN;
            if (p.epsEmpty() != null) {
                NegativeAlignment measured = NegativeAlignment.of(p.epsEmpty(), p.epsNegative(), p.epsPositive());
                negativeEffect = measured.effect();
                alignment = measured.alignment();
                for (String branch : List.of("empty", "negative", "positive")) {
                    Tensor eps = branch.equals("empty")
                            ? p.epsEmpty()
                            : branch.equals("negative") ? p.epsNegative() : p.epsPositive();
                    branchPreviews.add(preview(p.predictedOriginal(eps, vPrediction)));
                    branchLabels.add("call " + p.call() + " " + branch);
                }
            }
            record = new StepRecord(
                    p.call(),
                    p.timestep(),
                    p.sigma(),
                    p.negativeActive(),
                    normNegative,
                    normPositive,
                    normDifference,
                    cosine(p.epsNegative(), p.epsPositive()),
                    Math.abs(p.guidanceScale()) * normDifference,
                    negativeEffect,
                    alignment);
        }
        records.add(record);
        previews.add(preview(p.predictedOriginal(p.guided(), vPrediction)));
        return null;
    }

    private BufferedImage preview(Tensor x0) {
        return realDecode ? sd.decodeLatents(x0.narrow(0, 0, 1)).get(0) : LatentPreview.of(x0);
    }

    private static double cosine(Tensor a, Tensor b) {
        return a.mul(b).sum().item_double() / (norm(a) * norm(b));
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

    /** Three-way trace: x0 previews of the empty, negative and positive branches of each call that has them. */
    public List<BufferedImage> branchPreviews() {
        return List.copyOf(branchPreviews);
    }

    /** The labels of {@link #branchPreviews()}, e.g. "call 3 negative". */
    public List<String> branchLabels() {
        return List.copyOf(branchLabels);
    }
}
