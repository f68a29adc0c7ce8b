package dev.torchsd;

import dev.torchsd.generation.RequestResolver;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;

/** What tests look at behind the public API. */
@SuppressWarnings("exports") // names internal types on purpose: tests only, not part of the exported API
public final class Internals {
    private Internals() {}

    /** The model a {@link StableDiffusion} holds. */
    public static Model model(StableDiffusion sd) {
        return sd.model();
    }

    /** The text context of a resolved request's calls while its negative prompt is active. */
    public static org.bytedeco.pytorch.Tensor encodePrompts(Model model, GenerationRequest r) {
        return conditioning(model, r).at(0, 1, true);
    }

    /**
     * A guided U-Net call's input for a resolved request while its negative prompt is active: {@code sample} at
     * timestep {@code t}, the text context and the extra inputs (SDXL's {@code text_embeds} and {@code time_ids}).
     */
    public static dev.torchsd.model.UNetInput unetInput(
            Model model, GenerationRequest r, org.bytedeco.pytorch.Tensor sample, double t) {
        dev.torchsd.generation.Conditioning c = conditioning(model, r);
        return new dev.torchsd.model.UNetInput(sample, t, c.at(0, 1, true), c.extrasAt(0, 1, true));
    }

    private static dev.torchsd.generation.Conditioning conditioning(Model model, GenerationRequest r) {
        return dev.torchsd.generation.Conditioning.encode(
                model, r, r.negativeWindow().resolve(r.steps()), new java.util.ArrayList<>());
    }

    /** {@code r} resolved against {@code manifest}, as a generation starts. */
    public static GenerationRequest resolve(GenerationRequest r, Manifest manifest) {
        return RequestResolver.resolve(r, manifest, manifest.vae().latentChannels());
    }
}
