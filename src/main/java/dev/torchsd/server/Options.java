package dev.torchsd.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AUTOMATIC1111's settings as {@code /sdapi/v1/options} shows and sets them. Those torchsd uses
 * are checked ({@code sd_model_checkpoint} selects a served model, {@code CLIP_stop_at_last_layers}
 * is the default clip skip, {@code s_min_uncond} and {@code s_min_uncond_all} the default
 * "Negative Guidance minimum sigma", {@code token_merging_ratio}, {@code token_merging_ratio_hr} and
 * {@code token_merging_ratio_img2img} AUTOMATIC1111's token merging, {@code samples_format} is png); the others
 * are kept as given, so a client that posts back what it read (Open WebUI) succeeds.
 */
final class Options {
    static final String CHECKPOINT = "sd_model_checkpoint";
    static final String CLIP_SKIP = "CLIP_stop_at_last_layers";
    /** AUTOMATIC1111's "Negative Guidance minimum sigma": the default of the request field of the same name. */
    static final String MIN_UNCOND = "s_min_uncond";
    /** Its "all steps" setting (not a request field: override_settings or these options). */
    static final String MIN_UNCOND_ALL = "s_min_uncond_all";
    /** AUTOMATIC1111's token merging ratio (tomesd at its defaults) for txt2img and img2img. */
    static final String TOKEN_MERGING = "token_merging_ratio";
    /** Its ratio for the hires fix's second pass; 0 = {@link #TOKEN_MERGING}'s. */
    static final String TOKEN_MERGING_HR = "token_merging_ratio_hr";
    /** Its ratio for img2img; 0 = {@link #TOKEN_MERGING}'s. */
    static final String TOKEN_MERGING_IMG2IMG = "token_merging_ratio_img2img";

    private static final List<String> TOKEN_MERGING_RATIOS =
            List.of(TOKEN_MERGING, TOKEN_MERGING_HR, TOKEN_MERGING_IMG2IMG);

    private final ServedModels models;
    private final JsonObject values = new JsonObject();

    Options(ServedModels models) {
        this.models = models;
        values.addProperty(CLIP_SKIP, 1);
        values.addProperty(MIN_UNCOND, 0);
        values.addProperty(MIN_UNCOND_ALL, false);
        TOKEN_MERGING_RATIOS.forEach(key -> values.addProperty(key, 0));
        values.addProperty("samples_format", "png");
        values.addProperty("sd_vae", "Automatic");
        values.addProperty("sd_checkpoint_hash", "");
        values.addProperty("live_previews_enable", true);
        values.addProperty("show_progress_every_n_steps", 1);
    }

    synchronized JsonObject get() {
        JsonObject copy = values.deepCopy();
        copy.addProperty(CHECKPOINT, models.current());
        return copy;
    }

    /** Applies every value of {@code body}, or none when one is refused (a 422 naming it). */
    synchronized void set(JsonBody body) {
        String checkpoint = body.optionalString(CHECKPOINT).orElse(null);
        if (checkpoint != null) {
            models.get(checkpoint, CHECKPOINT);
        }
        int clipSkip = body.smallInteger(CLIP_SKIP, clipSkip());
        if (clipSkip < 1) {
            throw new FieldException(CLIP_SKIP, CLIP_SKIP + " must be at least 1, got " + clipSkip);
        }
        double minUncond = minUncond(body, minUncond());
        boolean minUncondAll = body.bool(MIN_UNCOND_ALL, minUncondAll());
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (String key : TOKEN_MERGING_RATIOS) {
            ratios.put(key, tokenMergingRatio(body, key));
        }
        String format = body.string("samples_format", "png");
        if (!format.equalsIgnoreCase("png")) {
            throw new FieldException(
                    "samples_format", "samples_format must be png (torchsd writes PNG), got " + format);
        }
        for (Map.Entry<String, JsonElement> e : body.object().entrySet()) {
            if (!e.getKey().equals(CHECKPOINT)) {
                values.add(e.getKey(), e.getValue());
            }
        }
        values.add(CLIP_SKIP, new JsonPrimitive(clipSkip));
        values.addProperty(MIN_UNCOND, minUncond);
        values.addProperty(MIN_UNCOND_ALL, minUncondAll);
        ratios.forEach(values::addProperty);
        if (checkpoint != null) {
            models.select(checkpoint, CHECKPOINT);
        }
    }

    synchronized int clipSkip() {
        return values.get(CLIP_SKIP).getAsInt();
    }

    synchronized double minUncond() {
        return values.get(MIN_UNCOND).getAsDouble();
    }

    synchronized boolean minUncondAll() {
        return values.get(MIN_UNCOND_ALL).getAsBoolean();
    }

    /**
     * Token merging ratio {@code key} (one of the three above) of {@code body}, or the server's where the body has
     * none; checked: a 422 names it.
     */
    synchronized double tokenMergingRatio(JsonBody body, String key) {
        double ratio = body.number(key, values.get(key).getAsDouble());
        if (!(ratio >= 0 && ratio < 1)) {
            throw new FieldException(
                    body.field(key), body.field(key) + " (token merging) must be in [0, 1) (0 = off), got " + ratio);
        }
        return ratio;
    }

    /** {@code s_min_uncond} of {@code body} ({@code fallback} when missing), checked: a 422 names the field. */
    static double minUncond(JsonBody body, double fallback) {
        double sigma = body.number(MIN_UNCOND, fallback);
        if (sigma < 0) {
            throw new FieldException(
                    MIN_UNCOND, MIN_UNCOND + " (Negative Guidance minimum sigma) must be >= 0 (0 = off), got " + sigma);
        }
        return sigma;
    }
}
