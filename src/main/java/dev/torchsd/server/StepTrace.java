package dev.torchsd.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepPrediction;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * torchsd's per-step trace for the page's trace sheet (the request field {@code trace: true}): at
 * every U-Net call of a job's first batch, the clean image x0 the guided prediction points to
 * (decoded by the model's VAE, first image of the batch), whether the negative prompt was active
 * (its start/end window) and the guidance term's size {@code w |eps(pos) - eps(neg)|}. It only
 * reads: the image is the same with or without it. Each call costs one VAE decode; the x0 images
 * are kept at most {@value #THUMBNAIL} pixels wide.
 */
final class StepTrace implements GenerationListener {
    /** One U-Net call. */
    record Call(
            int call,
            int calls,
            double timestep,
            double sigma,
            boolean negativeActive,
            double guidance,
            BufferedImage x0) {}

    static final int THUMBNAIL = 128;

    private final StableDiffusion sd;
    private final boolean vPrediction;
    private final List<Call> calls = new ArrayList<>();

    StepTrace(StableDiffusion sd) {
        this.sd = sd;
        this.vPrediction = sd.info().predictionType().equals("v_prediction");
    }

    /** Runs inside the pipeline's per-step scope: the tensors made here are freed with the step. */
    @Override
    public Tensor onPrediction(StepPrediction p) {
        Tensor x0 = p.predictedOriginal(p.guided(), vPrediction).narrow(0, 0, 1);
        double guidance = p.epsNegative() == null
                ? Double.NaN
                : p.guidanceScale()
                        * p.epsPositive().sub(p.epsNegative()).norm().item_double();
        BufferedImage image = thumbnail(sd.decodeLatents(x0).get(0));
        synchronized (calls) {
            calls.add(new Call(p.call(), p.calls(), p.timestep(), p.sigma(), p.negativeActive(), guidance, image));
        }
        return null;
    }

    private static BufferedImage thumbnail(BufferedImage image) {
        if (image.getWidth() <= THUMBNAIL) {
            return image;
        }
        int h = Math.max(1, image.getHeight() * THUMBNAIL / image.getWidth());
        BufferedImage small = new BufferedImage(THUMBNAIL, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, THUMBNAIL, h, null);
        g.dispose();
        return small;
    }

    /** {@code [{call, calls, timestep, sigma, negative_active, guidance, x0}]}, x0 a base64 PNG; NaN as null. */
    JsonArray toJson() {
        JsonArray list = new JsonArray();
        synchronized (calls) {
            for (Call c : calls) {
                JsonObject o = new JsonObject();
                o.addProperty("call", c.call());
                o.addProperty("calls", c.calls());
                o.addProperty("timestep", c.timestep());
                o.add("sigma", Double.isNaN(c.sigma()) ? JsonNull.INSTANCE : new JsonPrimitive(c.sigma()));
                o.addProperty("negative_active", c.negativeActive());
                o.add("guidance", Double.isNaN(c.guidance()) ? JsonNull.INSTANCE : new JsonPrimitive(c.guidance()));
                o.addProperty("x0", SdApi.base64Png(c.x0()));
                list.add(o);
            }
        }
        return list;
    }
}
