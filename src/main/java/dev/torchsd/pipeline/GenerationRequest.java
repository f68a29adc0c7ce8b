package dev.torchsd.pipeline;

import dev.torchsd.model.Manifest;
import dev.torchsd.prompt.PromptSchedule;
import dev.torchsd.prompt.PromptSyntax;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything one generation needs, as one value. Start from {@link #of(String)} and change
 * fields with the {@code with...} methods:
 * <pre>GenerationRequest.of("girl eating pizza").withSeed(42).withSteps(30)</pre>
 *
 * @param prompt             what to draw
 * @param negativePrompt     what to steer away from ("" = the unconditional prompt, as diffusers)
 * @param seed               the seed of torch's CPU generator (0 .. 2^63-1), as {@code torch.Generator().manual_seed(seed)}
 * @param steps              number of inference steps
 * @param guidanceScale      classifier-free guidance weight w; w <= 1 runs without guidance (one U-Net batch)
 * @param guidanceRescale    diffusers' guidance_rescale phi in 0..1 (0 = off): rescales the guided noise towards
 *                           the positive prediction's standard deviation
 * @param width              image width in pixels, or 0 for the model's default
 * @param height             image height in pixels, or 0 for the model's default
 * @param batchSize          images per request, all from one noise tensor (as diffusers' num_images_per_prompt)
 * @param scheduler          sampler name (diffusers class or AUTOMATIC1111 name), or null for the model's default
 * @param clipSkip           1 = last text-encoder layer, 2 = penultimate (AUTOMATIC1111's meaning)
 * @param schedulerOverrides scheduler config values by diffusers key, e.g. use_karras_sigmas=true
 * @param negativeWindow     the steps during which the negative prompt is used (default: all)
 * @param promptSyntax       how the prompts are read: plain as diffusers (default) or AUTOMATIC1111's syntax
 * @param vaeTiling          decode the image in overlapping tiles, for less memory ({@link VaeTiling#OFF}: whole)
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        long seed,
        int steps,
        double guidanceScale,
        double guidanceRescale,
        int width,
        int height,
        int batchSize,
        String scheduler,
        int clipSkip,
        Map<String, String> schedulerOverrides,
        NegativeWindow negativeWindow,
        PromptSyntax promptSyntax,
        VaeTiling vaeTiling) {

    public static final int DEFAULT_STEPS = 20;
    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 1024;
    public static final int MAX_BATCH = 64;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        schedulerOverrides = Map.copyOf(schedulerOverrides == null ? Map.of() : schedulerOverrides);
        negativeWindow = negativeWindow == null ? NegativeWindow.ALWAYS : negativeWindow;
        promptSyntax = promptSyntax == null ? PromptSyntax.PLAIN : promptSyntax;
        vaeTiling = vaeTiling == null ? VaeTiling.OFF : vaeTiling;
    }

    /** A request decoded whole (the fields before VAE tiling was added). */
    public GenerationRequest(String prompt, String negativePrompt, long seed, int steps, double guidanceScale,
                             double guidanceRescale, int width, int height, int batchSize, String scheduler,
                             int clipSkip, Map<String, String> schedulerOverrides, NegativeWindow negativeWindow,
                             PromptSyntax promptSyntax) {
        this(prompt, negativePrompt, seed, steps, guidanceScale, guidanceRescale, width, height, batchSize, scheduler,
                clipSkip, schedulerOverrides, negativeWindow, promptSyntax, VaeTiling.OFF);
    }

    /** A request with plain prompts (the fields before prompt syntax was added). */
    public GenerationRequest(String prompt, String negativePrompt, long seed, int steps, double guidanceScale,
                             double guidanceRescale, int width, int height, int batchSize, String scheduler,
                             int clipSkip, Map<String, String> schedulerOverrides, NegativeWindow negativeWindow) {
        this(prompt, negativePrompt, seed, steps, guidanceScale, guidanceRescale, width, height, batchSize, scheduler,
                clipSkip, schedulerOverrides, negativeWindow, PromptSyntax.PLAIN);
    }

    /** A request with torchsd's defaults: 20 steps, guidance 7.5, seed 0, the model's size and scheduler. */
    public static GenerationRequest of(String prompt) {
        return new GenerationRequest(prompt, "", 0, DEFAULT_STEPS, DEFAULT_GUIDANCE, 0.0, 0, 0, 1, null, 1, Map.of(),
                NegativeWindow.ALWAYS);
    }

    public GenerationRequest withPrompt(String p) {
        return edit().prompt(p).build();
    }

    public GenerationRequest withNegativePrompt(String n) {
        return edit().negativePrompt(n).build();
    }

    public GenerationRequest withSeed(long s) {
        return edit().seed(s).build();
    }

    public GenerationRequest withSteps(int n) {
        return edit().steps(n).build();
    }

    public GenerationRequest withGuidanceScale(double w) {
        return edit().guidanceScale(w).build();
    }

    public GenerationRequest withGuidanceRescale(double phi) {
        return edit().guidanceRescale(phi).build();
    }

    public GenerationRequest withSize(int w, int h) {
        return edit().size(w, h).build();
    }

    public GenerationRequest withBatchSize(int n) {
        return edit().batchSize(n).build();
    }

    public GenerationRequest withScheduler(String name) {
        return edit().scheduler(name).build();
    }

    public GenerationRequest withClipSkip(int n) {
        return edit().clipSkip(n).build();
    }

    public GenerationRequest withSchedulerOverride(String key, String value) {
        Map<String, String> m = new TreeMap<>(schedulerOverrides);
        m.put(key, value);
        return edit().schedulerOverrides(m).build();
    }

    /** The negative prompt is used from {@code start} on (a step index or a fraction of the steps). */
    public GenerationRequest withNegativeStart(StepPoint start) {
        return edit().negativeWindow(new NegativeWindow(start, negativeWindow.end())).build();
    }

    /** The negative prompt is used until {@code end} (exclusive). */
    public GenerationRequest withNegativeEnd(StepPoint end) {
        return edit().negativeWindow(new NegativeWindow(negativeWindow.start(), end)).build();
    }

    /** Reads the prompts as {@code syntax} ({@link PromptSyntax#A1111} for AUTOMATIC1111's). */
    public GenerationRequest withPromptSyntax(PromptSyntax syntax) {
        return edit().promptSyntax(syntax).build();
    }

    /** Decodes in tiles ({@link VaeTiling#DEFAULT} is diffusers' enable_tiling()), or whole ({@link VaeTiling#OFF}). */
    public GenerationRequest withVaeTiling(VaeTiling tiling) {
        return edit().vaeTiling(tiling).build();
    }

    /** Whether the U-Net runs on the [negative; positive] batch (diffusers: guidance_scale > 1). */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }

    /** This request with the model's defaults filled in, checked against the model's limits. */
    public GenerationRequest resolve(Manifest manifest) {
        int w = width == 0 ? manifest.defaultWidth() : width;
        int h = height == 0 ? manifest.defaultHeight() : height;
        // 8 even for a VAE that scales by less (the built-in model's 4), as users know sizes from SD
        int multiple = Math.max(8, manifest.vae().scaleFactor());
        checkSize("width", w, multiple);
        checkSize("height", h, multiple);
        if (steps < 1) {
            throw new RequestException("steps must be at least 1, got " + steps);
        }
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new RequestException("batch size must be in 1.." + MAX_BATCH + ", got " + batchSize);
        }
        if (!Double.isFinite(guidanceScale) || guidanceScale < 0) {
            throw new RequestException("guidance scale must be a finite number >= 0, got " + guidanceScale);
        }
        if (!(guidanceRescale >= 0 && guidanceRescale <= 1)) {
            throw new RequestException("guidance rescale must be in 0..1, got " + guidanceRescale);
        }
        if (seed < 0) {
            throw new RequestException("seed must be in 0.." + Long.MAX_VALUE + ", got " + seed);
        }
        int layers = manifest.textEncoder().numLayers();
        if (clipSkip < 1 || clipSkip > layers) {
            throw new RequestException("clip skip must be in 1.." + layers + " for this model, got " + clipSkip);
        }
        negativeWindow.resolve(steps);
        vaeTiling.check(multiple);
        if (promptSyntax.a1111()) {  // syntax errors before any work, with their position
            PromptSchedule.of(prompt, steps, "prompt");
            PromptSchedule.of(negativePrompt, steps, "negative prompt");
        }
        return edit().size(w, h).build();
    }

    private static void checkSize(String name, int value, int multiple) {
        if (value < MIN_SIZE || value > MAX_SIZE || value % multiple != 0) {
            throw new RequestException(name + " must be a multiple of " + multiple + " from " + MIN_SIZE + " to "
                    + MAX_SIZE + ", got " + value);
        }
    }

    private Builder edit() {
        return new Builder(this);
    }

    /** A mutable copy, for the {@code with...} methods. */
    private static final class Builder {
        private String prompt;
        private String negativePrompt;
        private long seed;
        private int steps;
        private double guidanceScale;
        private double guidanceRescale;
        private int width;
        private int height;
        private int batchSize;
        private String scheduler;
        private int clipSkip;
        private Map<String, String> schedulerOverrides;
        private NegativeWindow negativeWindow;
        private PromptSyntax promptSyntax;
        private VaeTiling vaeTiling;

        Builder(GenerationRequest r) {
            prompt = r.prompt;
            negativePrompt = r.negativePrompt;
            seed = r.seed;
            steps = r.steps;
            guidanceScale = r.guidanceScale;
            guidanceRescale = r.guidanceRescale;
            width = r.width;
            height = r.height;
            batchSize = r.batchSize;
            scheduler = r.scheduler;
            clipSkip = r.clipSkip;
            schedulerOverrides = r.schedulerOverrides;
            negativeWindow = r.negativeWindow;
            promptSyntax = r.promptSyntax;
            vaeTiling = r.vaeTiling;
        }

        Builder prompt(String v) { prompt = v; return this; }
        Builder negativePrompt(String v) { negativePrompt = v; return this; }
        Builder seed(long v) { seed = v; return this; }
        Builder steps(int v) { steps = v; return this; }
        Builder guidanceScale(double v) { guidanceScale = v; return this; }
        Builder guidanceRescale(double v) { guidanceRescale = v; return this; }
        Builder size(int w, int h) { width = w; height = h; return this; }
        Builder batchSize(int v) { batchSize = v; return this; }
        Builder scheduler(String v) { scheduler = v; return this; }
        Builder clipSkip(int v) { clipSkip = v; return this; }
        Builder schedulerOverrides(Map<String, String> v) { schedulerOverrides = v; return this; }
        Builder negativeWindow(NegativeWindow v) { negativeWindow = v; return this; }
        Builder promptSyntax(PromptSyntax v) { promptSyntax = v; return this; }
        Builder vaeTiling(VaeTiling v) { vaeTiling = v; return this; }

        GenerationRequest build() {
            return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, guidanceRescale, width,
                    height, batchSize, scheduler, clipSkip, schedulerOverrides, negativeWindow, promptSyntax,
                    vaeTiling);
        }
    }
}
