package dev.torchsd.pipeline;

import dev.torchsd.model.Manifest;

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
 * @param width              image width in pixels, or 0 for the model's default
 * @param height             image height in pixels, or 0 for the model's default
 * @param batchSize          images per request, all from one noise tensor (as diffusers' num_images_per_prompt)
 * @param scheduler          sampler name (diffusers class or AUTOMATIC1111 name), or null for the model's default
 * @param clipSkip           1 = last text-encoder layer, 2 = penultimate (AUTOMATIC1111's meaning)
 * @param schedulerOverrides scheduler config values by diffusers key, e.g. use_karras_sigmas=true
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        long seed,
        int steps,
        double guidanceScale,
        int width,
        int height,
        int batchSize,
        String scheduler,
        int clipSkip,
        Map<String, String> schedulerOverrides) {

    public static final int DEFAULT_STEPS = 20;
    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 1024;
    public static final int MAX_BATCH = 64;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        schedulerOverrides = Map.copyOf(schedulerOverrides == null ? Map.of() : schedulerOverrides);
    }

    /** A request with torchsd's defaults: 20 steps, guidance 7.5, seed 0, the model's size and scheduler. */
    public static GenerationRequest of(String prompt) {
        return new GenerationRequest(prompt, "", 0, DEFAULT_STEPS, DEFAULT_GUIDANCE, 0, 0, 1, null, 1, Map.of());
    }

    public GenerationRequest withPrompt(String p) {
        return new GenerationRequest(p, negativePrompt, seed, steps, guidanceScale, width, height, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withNegativePrompt(String n) {
        return new GenerationRequest(prompt, n, seed, steps, guidanceScale, width, height, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withSeed(long s) {
        return new GenerationRequest(prompt, negativePrompt, s, steps, guidanceScale, width, height, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withSteps(int n) {
        return new GenerationRequest(prompt, negativePrompt, seed, n, guidanceScale, width, height, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withGuidanceScale(double w) {
        return new GenerationRequest(prompt, negativePrompt, seed, steps, w, width, height, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withSize(int w, int h) {
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, w, h, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withBatchSize(int n) {
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, width, height, n, scheduler, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withScheduler(String name) {
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, width, height, batchSize, name, clipSkip, schedulerOverrides);
    }

    public GenerationRequest withClipSkip(int n) {
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, width, height, batchSize, scheduler, n, schedulerOverrides);
    }

    public GenerationRequest withSchedulerOverride(String key, String value) {
        Map<String, String> m = new TreeMap<>(schedulerOverrides);
        m.put(key, value);
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, width, height, batchSize, scheduler, clipSkip, m);
    }

    /** Whether the U-Net runs on the [negative; positive] batch (diffusers: guidance_scale > 1). */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }

    /** This request with the model's defaults filled in, checked against the model's limits. */
    public GenerationRequest resolve(Manifest manifest) {
        int w = width == 0 ? manifest.defaultWidth() : width;
        int h = height == 0 ? manifest.defaultHeight() : height;
        int multiple = manifest.vae().scaleFactor();
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
        if (seed < 0) {
            throw new RequestException("seed must be in 0.." + Long.MAX_VALUE + ", got " + seed);
        }
        int layers = manifest.textEncoder().numLayers();
        if (clipSkip < 1 || clipSkip > layers) {
            throw new RequestException("clip skip must be in 1.." + layers + " for this model, got " + clipSkip);
        }
        return new GenerationRequest(prompt, negativePrompt, seed, steps, guidanceScale, w, h, batchSize, scheduler, clipSkip, schedulerOverrides);
    }

    private static void checkSize(String name, int value, int multiple) {
        if (value < MIN_SIZE || value > MAX_SIZE || value % multiple != 0) {
            throw new RequestException(name + " must be a multiple of " + multiple + " from " + MIN_SIZE + " to "
                    + MAX_SIZE + ", got " + value);
        }
    }
}
