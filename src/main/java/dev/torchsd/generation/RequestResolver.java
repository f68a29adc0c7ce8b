package dev.torchsd.generation;

import dev.torchsd.model.Manifest;
import dev.torchsd.pipeline.GenerationRequest;
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
    private RequestResolver() {
    }

    /** {@code r} with the model's defaults filled in, checked; a RequestException names the field, value and range. */
    public static GenerationRequest resolve(GenerationRequest r, Manifest manifest, int latentChannels) {
        int w = r.width().orElse(manifest.defaultWidth());
        int h = r.height().orElse(manifest.defaultHeight());
        // 8 even for a VAE that scales by less (the built-in model's 4), as users know sizes from SD
        int multiple = Math.max(8, manifest.vae().scaleFactor());
        checkSize("width", w, multiple);
        checkSize("height", h, multiple);
        if (r.steps() < 1) {
            throw new RequestException("steps must be at least 1, got " + r.steps());
        }
        if (r.batchSize() < 1 || r.batchSize() > GenerationRequest.MAX_BATCH) {
            throw new RequestException("batch size must be in 1.." + GenerationRequest.MAX_BATCH + ", got " + r.batchSize());
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
        int layers = manifest.textEncoder().numLayers();
        checkClipSkip("clip skip", r.clipSkip(), layers);
        int negativeClipSkip = r.negativeClipSkip().orElse(r.promptSyntax().a1111() ? r.clipSkip() : 1);
        checkClipSkip("negative clip skip", negativeClipSkip, layers);
        r.scheduler().ifPresent(Schedulers::className);  // an unknown sampler name before any work
        r.negativeWindow().resolve(r.steps());
        r.vaeTiling().check(multiple);
        if (r.promptSyntax().a1111()) {  // syntax errors before any work, with their position
            PromptSchedule.of(r.prompt(), r.steps(), "prompt");
            PromptSchedule.of(r.negativePrompt(), r.steps(), "negative prompt");
        }
        var networks = RequestNetworks.of(r);  // files and <lora:…> names exist, weights are numbers
        GenerationRequest resolved = r.toBuilder().size(w, h).negativeClipSkip(negativeClipSkip)
                .extraNetworks(r.extraNetworks().withHashes(RequestNetworks.hashes(networks))).build();
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

    /** The latents' shape of a resolved request. */
    static long[] latentShape(GenerationRequest r, Manifest manifest, int latentChannels) {
        int scale = manifest.vae().scaleFactor();
        return new long[] {r.batchSize(), latentChannels, r.height().getAsInt() / scale, r.width().getAsInt() / scale};
    }

    private static void checkClipSkip(String name, int value, int layers) {
        if (value < 1 || value > layers) {
            throw new RequestException(name + " must be in 1.." + layers + " for this model, got " + value);
        }
    }

    private static void checkSize(String name, int value, int multiple) {
        if (value < GenerationRequest.MIN_SIZE || value > GenerationRequest.MAX_SIZE || value % multiple != 0) {
            throw new RequestException(name + " must be a multiple of " + multiple + " from " + GenerationRequest.MIN_SIZE + " to "
                    + GenerationRequest.MAX_SIZE + ", got " + value);
        }
    }
}
