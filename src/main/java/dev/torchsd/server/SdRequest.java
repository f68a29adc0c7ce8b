package dev.torchsd.server;

import com.google.gson.JsonObject;
import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GuidanceWindow;
import dev.torchsd.pipeline.HiresFix;
import dev.torchsd.pipeline.NegativeWindow;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.pipeline.TokenMerging;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One {@code /sdapi/v1/txt2img} or {@code /img2img} request read as AUTOMATIC1111 reads it and
 * turned into a resolved torchsd request: defaults as AUTOMATIC1111's API (50 steps, CFG scale 7,
 * seed -1 = random, its prompt syntax) except the size and sampler, which are the model's when not
 * given (img2img: the init image's size, rounded down to a multiple of 8).
 *
 * @param kind       txt2img or img2img
 * @param model      the title of the model that runs it
 * @param request    the resolved request of the first batch (batch i uses seed + i)
 * @param iterations batches, one after the other (n_iter)
 * @param sendImages whether the response carries the images
 * @param saveImages whether the server writes them to its output folder
 * @param trace      whether the first batch records torchsd's per-step trace ({@link StepTrace})
 * @param inpaintingModel whether the model is an inpainting one (its U-Net takes the mask and masked
 *                   image: AUTOMATIC1111's {@code is_using_inpainting_conditioning})
 * @param parameters the request's fields with the defaults filled in, as the response echoes them
 */
record SdRequest(
        Kind kind,
        String model,
        GenerationRequest request,
        int iterations,
        boolean sendImages,
        boolean saveImages,
        boolean trace,
        boolean inpaintingModel,
        JsonObject parameters) {
    static final int DEFAULT_STEPS = 50;
    static final double DEFAULT_CFG_SCALE = 7.0;
    /** AUTOMATIC1111's schedulers this server knows, and the config value each sets. */
    static final List<String> SCHEDULERS = List.of("automatic", "uniform", "karras");
    /** Fields whose features torchsd does not have: refused when turned on, rather than ignored. */
    private static final List<String> UNAVAILABLE = List.of("restore_faces", "tiling");

    /** The two generating routes; the name is AUTOMATIC1111's (job names, saved files). */
    enum Kind {
        TXT2IMG,
        IMG2IMG;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Reads, checks against the model and the server's limits; a 422 names the first bad field. */
    static SdRequest parse(JsonBody body, Kind kind, ServedModels models, Options options, Limits limits) {
        for (String flag : UNAVAILABLE) {
            if (body.bool(flag, false)) {
                throw new FieldException(flag, flag + " is not available in torchsd; send false or leave it out");
            }
        }
        if (body.object("alwayson_scripts").object().size() > 0) {
            throw new FieldException(
                    "alwayson_scripts", "torchsd runs no scripts; send {} or leave alwayson_scripts out");
        }
        JsonBody overrides = body.object("override_settings");
        String model = overrides.optionalString(Options.CHECKPOINT).orElse(models.current());
        StableDiffusion sd = models.get(model, "override_settings." + Options.CHECKPOINT);
        GenerationRequest.Builder b = GenerationRequest.builder(body.string("prompt", ""))
                .negativePrompt(body.string("negative_prompt", ""))
                .seed(seed(body.integer("seed", -1)))
                .steps(body.smallInteger("steps", DEFAULT_STEPS))
                .guidanceScale(body.number("cfg_scale", DEFAULT_CFG_SCALE))
                .batchSize(body.smallInteger("batch_size", 1))
                .clipSkip(overrides.smallInteger(Options.CLIP_SKIP, options.clipSkip()))
                .promptSyntax(promptSyntax(body.string("prompt_syntax", "a1111")))
                .guidanceWindow(GuidanceWindow.minSigma( // AUTOMATIC1111 reads "all steps" from its settings only
                        Options.minUncond(body, options.minUncond()),
                        overrides.bool(Options.MIN_UNCOND_ALL, options.minUncondAll())));
        models.loraFolder().ifPresent(b::loraFolder);
        b.tokenMerging(TokenMerging.of(tokenMergingRatio(overrides, kind, options)));
        if (kind == Kind.IMG2IMG) {
            b.image(ImageFields.read(body, limits));
        }
        if (body.has("width")) {
            b.width(body.smallInteger("width", 0));
        }
        if (body.has("height")) {
            b.height(body.smallInteger("height", 0));
        }
        String sampler = body.optionalString("sampler_name")
                .or(() -> body.optionalString("sampler_index"))
                .filter(s -> !s.isBlank())
                .orElse(null);
        b.scheduler(sampler);
        scheduler(body.string("scheduler", "automatic"), b);
        StepPoint start = stepPoint(body, "negative_start", "0");
        StepPoint end = stepPoint(body, "negative_end", "1.0");
        b.negativeWindow(new NegativeWindow(start, end));
        int iterations = body.smallInteger("n_iter", 1);
        if (iterations < 1) {
            throw new FieldException("n_iter", "n_iter must be at least 1, got " + iterations);
        }
        GenerationRequest resolved;
        try {
            resolved = sd.resolve(b.build());
            if (kind == Kind.TXT2IMG) {
                Optional<HiresFix> fix = HiresFields.read(
                        body, resolved.width().getAsInt(), resolved.height().getAsInt());
                if (fix.isPresent()) {
                    double hr = options.tokenMergingRatio(overrides, Options.TOKEN_MERGING_HR);
                    resolved = sd.resolve(resolved.withHiresFix(fix.get().withTokenMergingRatio(hr)));
                }
            }
        } catch (TorchsdException e) {
            throw FieldException.of(models.hidePaths(e.getMessage()));
        }
        SdRequest t = new SdRequest(
                kind,
                model,
                resolved,
                iterations,
                body.bool("send_images", true),
                body.bool("save_images", false),
                body.bool("trace", false),
                sd.info().inpainting(),
                echo(body, resolved, iterations, model));
        limits.check(t);
        return t;
    }

    /**
     * AUTOMATIC1111's token merging ratio of a request: override_settings' (else the server options')
     * {@code token_merging_ratio}; for img2img its {@code token_merging_ratio_img2img} where that is not 0.
     */
    private static double tokenMergingRatio(JsonBody overrides, Kind kind, Options options) {
        double ratio = options.tokenMergingRatio(overrides, Options.TOKEN_MERGING);
        if (kind == Kind.IMG2IMG) {
            double img2img = options.tokenMergingRatio(overrides, Options.TOKEN_MERGING_IMG2IMG);
            return img2img > 0 ? img2img : ratio;
        }
        return ratio;
    }

    /** The request of batch {@code i} (0-based): seed + i, as AUTOMATIC1111 counts seeds on. */
    GenerationRequest batch(int i) {
        return request.withSeed(request.seed() + i);
    }

    private static long seed(long given) {
        if (given == -1) {
            return new SecureRandom().nextLong() & 0xFFFFFFFFL; // as AUTOMATIC1111 picks
        }
        if (given < 0) {
            throw new FieldException("seed", "seed must be -1 (random) or in 0.." + Long.MAX_VALUE + ", got " + given);
        }
        return given;
    }

    private static PromptSyntax promptSyntax(String name) {
        try {
            return PromptSyntax.parse(name);
        } catch (TorchsdException | IllegalArgumentException e) {
            throw new FieldException("prompt_syntax", e.getMessage());
        }
    }

    private static void scheduler(String name, GenerationRequest.Builder b) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals("karras")) {
            b.schedulerOverride("use_karras_sigmas", "true");
        } else if (!key.equals("automatic") && !key.equals("uniform") && !key.isEmpty()) {
            throw new FieldException(
                    "scheduler", "scheduler must be one of " + String.join(", ", SCHEDULERS) + ", got " + name);
        }
    }

    private static StepPoint stepPoint(JsonBody body, String field, String fallback) {
        try {
            return StepPoint.parse(body.optionalText(field).orElse(fallback));
        } catch (TorchsdException e) {
            throw new FieldException(field, field + ": " + e.getMessage());
        }
    }

    private static JsonObject echo(JsonBody body, GenerationRequest r, int iterations, String model) {
        JsonObject given = body.object();
        JsonObject echo = given.deepCopy();
        if (r.image().isPresent() && !body.bool("include_init_images", false)) {
            echo.add("init_images", null); // as AUTOMATIC1111: the images are not sent back unless asked
            echo.add("mask", null);
        }
        echo.remove("auth"); // a client's own credentials (SillyTavern sends them along) are not echoed
        echo.addProperty("prompt", r.prompt());
        echo.addProperty("negative_prompt", r.negativePrompt());
        if (!given.has("seed")) {
            echo.addProperty("seed", -1);
        }
        echo.addProperty("steps", r.steps());
        echo.addProperty("cfg_scale", r.guidanceScale());
        echo.addProperty("width", r.width().getAsInt());
        echo.addProperty("height", r.height().getAsInt());
        echo.addProperty("batch_size", r.batchSize());
        echo.addProperty("n_iter", iterations);
        if (!echo.has("sampler_name")) {
            echo.add("sampler_name", null);
        }
        JsonObject overrides =
                given.has("override_settings") && given.get("override_settings").isJsonObject()
                        ? given.getAsJsonObject("override_settings").deepCopy()
                        : new JsonObject();
        overrides.addProperty(Options.CHECKPOINT, model);
        echo.add("override_settings", overrides);
        return echo;
    }
}
