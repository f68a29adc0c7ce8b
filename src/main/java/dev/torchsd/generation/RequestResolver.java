package dev.torchsd.generation;

import dev.torchsd.model.Manifest;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.HiresFix;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.prompt.PromptSchedule;
import dev.torchsd.scheduler.Schedulers;
import java.util.Arrays;

/**
 * The one place where a request's unset values are filled in from the model and every value is
 * checked against the model's limits, before any work: the model's default size, the negative
 * prompt's clip skip by the prompt syntax's convention, and the ranges of the rest.
 */
public final class RequestResolver {
    private static final int MAX_MASK_BLUR = 64;
    private static final int MAX_STEPS_HINT = 1000;

    private RequestResolver() {}

    /** {@code r} with the model's defaults filled in, checked; a RequestException names the field, value and range. */
    public static GenerationRequest resolve(GenerationRequest r, Manifest manifest, int latentChannels) {
        // 8 even for a VAE that scales by less (the built-in model's 4), as users know sizes from SD
        int multiple = Math.max(8, manifest.vae().scaleFactor());
        // an image's size rounded down to the multiple, as diffusers' get_default_height_width
        int w = r.width()
                .orElse(r.image()
                        .map(i -> i.image().getWidth() / multiple * multiple)
                        .orElse(manifest.defaultWidth()));
        int h = r.height()
                .orElse(r.image()
                        .map(i -> i.image().getHeight() / multiple * multiple)
                        .orElse(manifest.defaultHeight()));
        checkSize("width", w, multiple);
        checkSize("height", h, multiple);
        if (r.steps() < 1) {
            throw new RequestException("steps must be at least 1, got " + r.steps());
        }
        if (r.batchSize() < 1 || r.batchSize() > GenerationRequest.MAX_BATCH) {
            throw new RequestException(
                    "batch size must be in 1.." + GenerationRequest.MAX_BATCH + ", got " + r.batchSize());
        }
        if (!Double.isFinite(r.guidanceScale()) || r.guidanceScale() < 0) {
            throw new RequestException("guidance scale must be a finite number >= 0, got " + r.guidanceScale());
        }
        if (!(r.guidanceRescale() >= 0 && r.guidanceRescale() <= 1)) {
            throw new RequestException("guidance rescale must be in 0..1, got " + r.guidanceRescale());
        }
        if (r.seed() < 0) {
            throw new RequestException("seed must be in 0.." + Long.MAX_VALUE + ", got " + r.seed());
        }
        int layers = manifest.textEncoders().stream()
                .mapToInt(Manifest.TextEncoderSpec::numLayers)
                .min()
                .orElseThrow();
        checkClipSkip("clip skip", r.clipSkip(), layers);
        int negativeClipSkip = r.negativeClipSkip().orElse(r.promptSyntax().a1111() ? r.clipSkip() : 1);
        checkClipSkip("negative clip skip", negativeClipSkip, layers);
        r.scheduler().ifPresent(Schedulers::className); // an unknown sampler name before any work
        if (r.deepCacheInterval() < 1) {
            throw new RequestException("DeepCache interval must be at least 1 (1: off), got " + r.deepCacheInterval());
        }
        r.tokenMerging().check();
        if (mergesTokens(r) && r.deepCacheInterval() > 1) {
            throw new RequestException(
                    "token merging (ToMe) and DeepCache exclude each other (DeepCache's cached features"
                            + " come from calls without merging); give a token merging ratio or a DeepCache interval, not"
                            + " both");
        }
        r.negativeWindow().resolve(r.steps());
        r.vaeTiling().check(multiple);
        if (r.promptSyntax().a1111()) { // syntax errors before any work, with their position
            PromptSchedule.of(r.prompt(), r.steps(), "prompt");
            PromptSchedule.of(r.negativePrompt(), r.steps(), "negative prompt");
        }
        checkImage(r, manifest, latentChannels);
        checkDenoising(r, manifest);
        checkHiresFix(r, w, h, multiple);
        var networks = RequestNetworks.of(r); // files and <lora:…> names exist, weights are numbers
        GenerationRequest resolved = r.toBuilder()
                .size(w, h)
                .negativeClipSkip(negativeClipSkip)
                .extraNetworks(r.extraNetworks().withHashes(RequestNetworks.hashes(networks)))
                .build();
        long[] shape = latentShape(resolved, manifest, latentChannels);
        r.initialLatents().ifPresent(latents -> {
            if (!Arrays.equals(latents.shape(), shape)) {
                int scale = manifest.vae().scaleFactor();
                throw new RequestException("initial latents have shape " + Arrays.toString(latents.shape())
                        + ", this request needs " + Arrays.toString(shape) + " (batch, channels, height / " + scale
                        + ", width / " + scale + ")");
            }
        });
        return resolved;
    }

    /** The image input's values, and that the model can run it (a 9-channel inpainting U-Net needs a mask). */
    private static void checkImage(GenerationRequest r, Manifest manifest, int latentChannels) {
        boolean concatenated = manifest.unet().inChannels() != latentChannels;
        if (r.image().flatMap(ImageInput::mask).isEmpty() && concatenated) {
            throw new RequestException("model '" + manifest.name() + "' is an inpainting model (its U-Net takes "
                    + manifest.unet().inChannels() + " channels, the latents have " + latentChannels
                    + "): it needs an image and a mask");
        }
        if (r.image().isEmpty()) {
            return;
        }
        ImageInput input = r.image().get();
        if (r.initialLatents().isPresent()) {
            throw new RequestException("initial latents and an image to start from exclude each other; give one");
        }
        double strength = input.strengthOrDefault();
        if (!(strength >= 0 && strength <= 1)) {
            throw new RequestException("strength must be in 0..1, got " + strength);
        }
        if (Strength.stepsRun(input, strength, r.steps()) < 1) {
            int fewest = Strength.fewestSteps(strength, MAX_STEPS_HINT);
            throw new RequestException("strength " + strength + " with " + r.steps() + " steps runs no step (int("
                    + r.steps() + " * " + strength + ") = 0); "
                    + (fewest > 0 ? "use at least " + fewest + " steps or " : "use ") + "a strength of at least "
                    + 1.0 / r.steps());
        }
        if (input.maskBlur() < 0 || input.maskBlur() > MAX_MASK_BLUR) {
            throw new RequestException("mask blur must be in 0.." + MAX_MASK_BLUR + " pixels, got " + input.maskBlur());
        }
        if (input.maskedPadding() < 0 || input.maskedPadding() > GenerationRequest.MAX_SIZE) {
            throw new RequestException("masked padding must be in 0.." + GenerationRequest.MAX_SIZE + " pixels, got "
                    + input.maskedPadding());
        }
        if (input.mask().isEmpty()
                && (input.inpaintArea() != ImageInput.InpaintArea.WHOLE
                        || input.fill() != ImageInput.Fill.ORIGINAL
                        || input.maskBlur() != 0
                        || input.invertMask())) {
            throw new RequestException("mask options (blur, invert, inpaint area, fill) need a mask");
        }
    }

    /**
     * diffusers' denoising_start / denoising_end, and that a refiner is not asked for text-to-image: it continues a
     * base model's latents or changes an image.
     */
    private static void checkDenoising(GenerationRequest r, Manifest manifest) {
        double start = r.denoisingStart();
        double end = r.denoisingEnd();
        if (!(start >= 0 && start < 1 && end > start && end <= 1)) {
            throw new RequestException("denoising start and end must satisfy 0 <= start < end <= 1, got start " + start
                    + " and end " + end);
        }
        if (start > 0
                && (r.initialLatents().isEmpty()
                        || r.image().isPresent()
                        || r.hiresFix().isPresent())) {
            throw new RequestException("denoising start " + start + " continues a base model's latents: give them as"
                    + " the initial latents (and no image or hires fix)");
        }
        if (manifest.family().equals(Manifest.SDXL_REFINER)
                && start == 0
                && r.image().isEmpty()) {
            throw new RequestException("model '" + manifest.name() + "' is an SDXL refiner (family "
                    + Manifest.SDXL_REFINER + "), not a base model: it continues a base model's latents (denoising"
                    + " start with initial latents; the command line's --refiner) or changes an image"
                    + " (image-to-image); for text-to-image load an SDXL base model");
        }
    }

    /** The hires fix's values and its final size. */
    private static void checkHiresFix(GenerationRequest r, int w, int h, int multiple) {
        if (r.hiresFix().isEmpty()) {
            return;
        }
        HiresFix fix = r.hiresFix().get();
        if (r.image().isPresent() || r.initialLatents().isPresent()) {
            throw new RequestException(
                    "hires fix applies to text-to-image; this request starts from an image or latents");
        }
        if (r.batchSize() != 1) {
            throw new RequestException("hires fix runs with batch size 1, got " + r.batchSize());
        }
        if (!(fix.scale() >= 1 && fix.scale() <= 4)) {
            throw new RequestException("hires scale must be in 1..4, got " + fix.scale());
        }
        if (!(fix.tokenMergingRatio() >= 0 && fix.tokenMergingRatio() < 1)) {
            throw new RequestException("hires token merging (ToMe) ratio must be in [0, 1) (0: the request's), got "
                    + fix.tokenMergingRatio());
        }
        if (!(fix.strength() > 0 && fix.strength() <= 1)) {
            throw new RequestException("hires strength must be in (0, 1], got " + fix.strength());
        }
        int steps = fix.steps() > 0 ? fix.steps() : r.steps();
        if (fix.steps() < 0 || Math.min((int) (steps * fix.strength()), steps) < 1) {
            throw new RequestException("hires steps must be 0 (the request's) or more, and run at least one step at"
                    + " strength " + fix.strength() + "; got " + fix.steps() + " (" + steps + " steps)");
        }
        checkSize("hires width (" + w + " x " + fix.scale() + ")", HiresPass.targetSize(w, fix), multiple);
        checkSize("hires height (" + h + " x " + fix.scale() + ")", HiresPass.targetSize(h, fix), multiple);
    }

    /** Whether any pass of {@code r} merges tokens: the request's setting, or its hires fix's second pass. */
    static boolean mergesTokens(GenerationRequest r) {
        return r.tokenMerging().enabled()
                || r.hiresFix().map(fix -> fix.tokenMergingRatio() > 0).orElse(false);
    }

    /** The latents' shape of a resolved request. */
    static long[] latentShape(GenerationRequest r, Manifest manifest, int latentChannels) {
        int scale = manifest.vae().scaleFactor();
        return new long[] {
            r.batchSize(),
            latentChannels,
            r.height().getAsInt() / scale,
            r.width().getAsInt() / scale
        };
    }

    private static void checkClipSkip(String name, int value, int layers) {
        if (value < 1 || value > layers) {
            throw new RequestException(name + " must be in 1.." + layers + " for this model, got " + value);
        }
    }

    private static void checkSize(String name, int value, int multiple) {
        if (value < GenerationRequest.MIN_SIZE || value > GenerationRequest.MAX_SIZE || value % multiple != 0) {
            throw new RequestException(name + " must be a multiple of " + multiple + " from "
                    + GenerationRequest.MIN_SIZE + " to " + GenerationRequest.MAX_SIZE + ", got " + value);
        }
    }
}
