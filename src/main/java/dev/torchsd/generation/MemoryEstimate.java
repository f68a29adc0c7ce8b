package dev.torchsd.generation;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.torchsd.model.Manifest;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.pipeline.VaeTiling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How much memory a request needs beyond the loaded weights, estimated from the architecture the
 * exporter recorded in the manifest ({@code exporter.config}), so that a request far too large for
 * this machine is refused before anything is allocated (Linux may otherwise grant the memory and
 * kill the process when it is touched).
 *
 * <p>The largest terms: the self-attention scores of the U-Net's highest-resolution attention
 * level, {@code 2 x batch x heads x tokens^2} floats (scores and softmax), with the guidance batch
 * doubled; the VAE decoder's feature maps, the largest of them at full image resolution (of one tile
 * with {@link VaeTiling}), or its single-head attention over the latent pixels. The estimate is
 * deliberately coarse (within a small factor): it guards against requests that cannot fit, it does
 * not promise that one fits.
 */
public final class MemoryEstimate {
    private MemoryEstimate() {}

    /** Bytes the request is estimated to need, or empty when the manifest has no architecture record. */
    public static Optional<Long> bytesNeeded(Manifest manifest, GenerationRequest r) {
        return bytesNeeded(manifest, r, PLAIN_CONTEXT_TOKENS);
    }

    /** The text context of a plain prompt: one 77-token chunk. */
    static final long PLAIN_CONTEXT_TOKENS = 77;

    /**
     * As {@link #bytesNeeded(Manifest, GenerationRequest)} with a text context of {@code contextTokens}
     * (77 per chunk of a long AUTOMATIC1111-syntax prompt): the cross-attention scores, batch x heads x
     * latent tokens x context tokens, outgrow the self-attention's when the context is longer than
     * the latent's tokens (4096 at 512x512: some 53 chunks).
     */
    public static Optional<Long> bytesNeeded(Manifest manifest, GenerationRequest r, long contextTokens) {
        JsonObject config = manifest.architecture();
        if (config == null || !config.has("unet") || !config.has("vae")) {
            return Optional.empty();
        }
        try {
            int scale = manifest.vae().scaleFactor();
            long h = r.height().getAsInt() / scale;
            long w = r.width().getAsInt() / scale;
            long unetBatch = (long) r.batchSize() * (r.usesGuidance() ? 2 : 1);
            double unet =
                    unetPeak(config.getAsJsonObject("unet"), unetBatch, h, w, manifest.fusedAttention(), contextTokens);
            return decodeBytes(manifest, r).map(vae -> (long) Math.min(Long.MAX_VALUE, Math.max(unet, vae)));
        } catch (RuntimeException e) {
            return Optional.empty(); // an architecture record we do not understand: no estimate
        }
    }

    /**
     * Bytes the VAE decoder needs for the image of {@code r}, decoded whole or in the request's tiles; empty when
     * the manifest has no architecture record (or one not understood).
     */
    public static Optional<Double> decodeBytes(Manifest manifest, GenerationRequest r) {
        JsonObject config = manifest.architecture();
        if (config == null || !config.has("vae")) {
            return Optional.empty();
        }
        try {
            int scale = manifest.vae().scaleFactor();
            long h = r.height().getAsInt() / scale;
            long w = r.width().getAsInt() / scale;
            long tile = r.vaeTiling().enabled() ? r.vaeTiling().latentTile(scale) : Long.MAX_VALUE;
            return Optional.of(vaePeak(
                    config.getAsJsonObject("vae"),
                    r.batchSize(),
                    Math.min(h, tile),
                    Math.min(w, tile),
                    scale,
                    manifest.fusedAttention()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static double unetPeak(JsonObject unet, long batch, long h, long w, boolean fusedAttention, long contextTokens) {
        int channels = unet.get("model_channels").getAsInt();
        JsonArray mult = unet.getAsJsonArray("channel_mult");
        JsonArray attention = unet.getAsJsonArray("attention_levels");
        int numHeads = unet.get("num_heads").getAsInt();
        int headChannels = unet.get("head_channels").getAsInt();
        double attentionPeak = 0;
        double activations = 0;
        for (int level = 0; level < mult.size(); level++) {
            double tokens = Math.ceil(h / Math.pow(2, level)) * Math.ceil(w / Math.pow(2, level));
            int levelChannels = channels * mult.get(level).getAsInt();
            activations += 6.0 * batch * levelChannels * tokens * 4;
            if (contains(attention, level)) {
                int heads = headChannels > 0 ? levelChannels / headChannels : numHeads;
                double scores = fusedAttention
                        ? 4.0 * batch * levelChannels * tokens
                        : 2.0 * batch * heads * tokens * Math.max(tokens, (double) contextTokens);
                attentionPeak = Math.max(attentionPeak, scores * 4);
            }
        }
        return attentionPeak + activations;
    }

    /**
     * The VAE decoder's peak for {@code h x w} latents: the larger of its attention over the latent pixels (4 maps of
     * the deepest width, and unless fused the scores and their softmax, 2 x tokens^2 floats) and the feature maps
     * alive at once in its largest stage. The decoder runs from the latent resolution up: the middle block, then per
     * level {@code num_res_blocks + 1} ResNet blocks and (but the last level) a 2x nearest upsampling and a
     * convolution, then the output norm, SiLU and convolution. A ResNet block holds at most 3 maps of the wider of its
     * input and output at once (its input, GroupNorm's output and SiLU's output; at the end its shortcut, its residual
     * and their sum); an upsampling its input, the upsampled map and the convolution's output. For SD's VAE the first
     * block at full resolution is the peak (256 channels in from the level below): 3 x 256 x 1024^2 floats, 3.2 GB at
     * 1024x1024, where 3.0-4.4 GB were measured above what was resident before the decode (docs/sdxl.md).
     */
    static double vaePeak(JsonObject vae, long batch, long h, long w, int scale, boolean fusedAttention) {
        int channels = vae.get("ch").getAsInt();
        if (channels == 0) { // no convolutional decoder (the built-in model's fixed cell VAE): the image itself
            return 3.0 * batch * (h * scale) * (w * scale) * 4;
        }
        JsonArray mult = vae.getAsJsonArray("ch_mult");
        int blocks = vae.get("num_res_blocks").getAsInt() + 1;
        int width = channels * mult.get(mult.size() - 1).getAsInt();
        double pixels = (double) h * w;
        double attention = (fusedAttention ? 0 : 2.0 * pixels * pixels) + 4.0 * width * pixels;
        double maps = 3.0 * width * pixels; // the middle block's ResNet blocks
        for (int level = mult.size() - 1; level >= 0; level--) {
            int out = channels * mult.get(level).getAsInt();
            for (int block = 0; block < blocks; block++) {
                maps = Math.max(maps, 3.0 * Math.max(width, out) * pixels);
                width = out;
            }
            if (level > 0) {
                maps = Math.max(maps, width * pixels + 2.0 * width * 4 * pixels);
                pixels *= 4;
            }
        }
        maps = Math.max(maps, 3.0 * width * pixels); // the output norm, SiLU, convolution
        return 4.0 * batch * Math.max(attention, maps);
    }

    private static boolean contains(JsonArray array, int value) {
        for (JsonElement e : array) {
            if (e.getAsInt() == value) {
                return true;
            }
        }
        return false;
    }

    /** MemAvailable from /proc/meminfo, or empty where there is none (not Linux). */
    public static Optional<Long> availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Optional.of(Long.parseLong(parts[1]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unreadable /proc: no check
        }
        return Optional.empty();
    }

    /**
     * The tiling the image of {@code r} is decoded with: the request's when it asks for tiles; otherwise whole,
     * unless the whole decode's estimate exceeds the {@code available} bytes and an image larger than one tile
     * then goes in {@link VaeTiling#DEFAULT} tiles (512 pixels overlapping by 128). That is what ComfyUI and
     * Forge do when a whole decode runs out of memory (diffusers and AUTOMATIC1111 tile only when told), decided
     * here before the memory runs out; an image that fits is decoded whole, unchanged. SDXL at 1024x1024 (its
     * full-resolution feature maps: 256 and 128 channels of 1024^2 floats) is decoded whole where some 3.2 GB are
     * free; a batch of 4 (the decoder takes the batch at once, some 13 GB) often is not.
     */
    public static VaeTiling decodeTiling(Manifest manifest, GenerationRequest r, Optional<Long> available) {
        if (r.vaeTiling().enabled() || available.isEmpty()) {
            return r.vaeTiling();
        }
        Optional<Double> whole = decodeBytes(manifest, r);
        boolean oneTile = Math.max(r.width().getAsInt(), r.height().getAsInt()) <= VaeTiling.DEFAULT.tileSize();
        return whole.isEmpty() || whole.get() <= available.get() || oneTile ? VaeTiling.OFF : VaeTiling.DEFAULT;
    }

    /** Refuses a request whose estimate exceeds the memory available now. */
    public static void check(Manifest manifest, GenerationRequest r) {
        check(manifest, r, PLAIN_CONTEXT_TOKENS);
    }

    /** As {@link #check(Manifest, GenerationRequest)} with a text context of {@code contextTokens}. */
    public static void check(Manifest manifest, GenerationRequest r, long contextTokens) {
        Optional<Long> available = availableBytes();
        Optional<Long> needed =
                bytesNeeded(manifest, r.withVaeTiling(decodeTiling(manifest, r, available)), contextTokens);
        if (needed.isPresent() && available.isPresent() && needed.get() > available.get()) {
            throw new RequestException(String.format(
                    java.util.Locale.ROOT,
                    "this request (%dx%d, batch %d%s%s) needs about %.1f GB of working memory; %.1f GB are available"
                            + " (use a smaller size or batch%s)",
                    r.width().getAsInt(),
                    r.height().getAsInt(),
                    r.batchSize(),
                    r.usesGuidance() ? " with guidance" : "",
                    contextTokens > PLAIN_CONTEXT_TOKENS ? ", a prompt context of " + contextTokens + " tokens" : "",
                    needed.get() / 1e9,
                    available.get() / 1e9,
                    contextTokens > PLAIN_CONTEXT_TOKENS ? ", or a shorter prompt" : ""));
        }
    }
}
