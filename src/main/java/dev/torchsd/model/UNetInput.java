package dev.torchsd.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * One U-Net call's inputs: the (scaled) sample, the timestep and the text context, plus the extra
 * inputs a model family declares in its manifest ({@code unet.extra_inputs}, e.g. SDXL's
 * {@code text_embeds} and {@code time_ids}). Channels beyond the latents' (a 9-channel inpainting
 * U-Net's mask and masked-image latents) are part of {@code sample}. The tensors are the caller's.
 *
 * @param sample   (batch, unet in_channels, h, w)
 * @param timestep the timestep, fractional for sigma samplers
 * @param context  the text encoder's hidden states (batch, tokens, context dim)
 * @param extras   the manifest's extra inputs by name
 */
public record UNetInput(Tensor sample, double timestep, Tensor context, Map<String, Tensor> extras) {
    public UNetInput {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(context, "context");
        extras = Map.copyOf(extras);
    }

    /** The three inputs every Stable Diffusion U-Net takes. */
    public static UNetInput of(Tensor sample, double timestep, Tensor context) {
        return new UNetInput(sample, timestep, context, Map.of());
    }

    /** This input with one more named extra input. */
    public UNetInput withExtra(String name, Tensor value) {
        Map<String, Tensor> more = new LinkedHashMap<>(extras);
        more.put(name, Objects.requireNonNull(value, name));
        return new UNetInput(sample, timestep, context, more);
    }
}
