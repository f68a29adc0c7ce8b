package dev.torchsd.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.ModelException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The floating-point operations of one U-Net call, counted from the architecture the exporter
 * recorded in the manifest ({@code exporter.config}): every convolution and matrix product,
 * a multiply-add counted as two operations; norms, activations and other element-wise work are
 * left out (a few per cent). The walk mirrors {@code native/torchsd_export/unet.py}; the
 * op-by-op count of {@code native/bench/unet_flops.py} gives the same numbers (803,273,441,280
 * for SD 1.5 at 512x512, one image).
 *
 * <p>Why: a step's time only means something next to what the machine could do; FLOPs divided
 * by the measured matrix-multiply rate ({@link GemmRate}) is the floor a step cannot beat.
 */
public final class UNetFlops {
    private final int modelChannels;
    private final int[] channelMult;
    private final boolean[] attentionAt;
    private final int resBlocks;
    /** Transformer blocks of each level's spatial transformers (SDXL: 0, 2, 10); the middle block's is {@link #depth}. */
    private final int[] depths;

    private final int depth;
    private final int inChannels;
    private final int outChannels;
    private final int contextDim;
    private final int contextTokens;

    private UNetFlops(JsonObject unet, int contextTokens) {
        this.modelChannels = unet.get("model_channels").getAsInt();
        JsonArray mult = unet.getAsJsonArray("channel_mult");
        this.channelMult = new int[mult.size()];
        for (int i = 0; i < channelMult.length; i++) {
            channelMult[i] = mult.get(i).getAsInt();
        }
        this.attentionAt = new boolean[channelMult.length];
        for (JsonElement level : unet.getAsJsonArray("attention_levels")) {
            attentionAt[level.getAsInt()] = true;
        }
        this.resBlocks = unet.get("num_res_blocks").getAsInt();
        this.depth = unet.get("transformer_depth").getAsInt();
        this.depths = new int[channelMult.length];
        JsonArray perLevel = unet.has("transformer_depths") ? unet.getAsJsonArray("transformer_depths") : null;
        for (int i = 0; i < depths.length; i++) {
            depths[i] = perLevel != null && perLevel.size() == depths.length
                    ? perLevel.get(i).getAsInt()
                    : depth;
        }
        this.inChannels = unet.get("in_channels").getAsInt();
        this.outChannels = unet.get("out_channels").getAsInt();
        this.contextDim = unet.get("context_dim").getAsInt();
        this.contextTokens = contextTokens;
    }

    /** The counter for a model, or a ModelException when its manifest has no architecture record. */
    public static UNetFlops of(Manifest manifest) {
        JsonObject config = manifest.architecture();
        if (config == null || !config.has("unet")) {
            throw new ModelException(manifest.name() + ": model.json has no exporter.config.unet record;"
                    + " the U-Net's operations cannot be counted (re-export with ./cppbuild.sh)");
        }
        try {
            return new UNetFlops(
                    config.getAsJsonObject("unet"), manifest.textEncoder().maxLength());
        } catch (RuntimeException e) {
            throw new ModelException(
                    manifest.name() + ": exporter.config.unet is not the record this torchsd" + " understands ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    /** FLOPs of one call on {@code batch} latents of {@code height x width} latent pixels. */
    public double perCall(int batch, int height, int width) {
        int emb = 4 * modelChannels;
        double total = linear(1, modelChannels, emb) + linear(1, emb, emb);
        long h = height;
        long w = width;
        total += conv(inChannels, modelChannels, 3, h, w);
        Deque<long[]> skips = new ArrayDeque<>(); // {channels, height, width}
        skips.push(new long[] {modelChannels, h, w});
        int ch = modelChannels;
        for (int level = 0; level < channelMult.length; level++) {
            int out = channelMult[level] * modelChannels;
            for (int i = 0; i < resBlocks; i++) {
                total += resBlock(ch, out, emb, h, w);
                ch = out;
                if (attentionAt[level]) {
                    total += transformer(ch, h * w, depths[level]);
                }
                skips.push(new long[] {ch, h, w});
            }
            if (level != channelMult.length - 1) {
                h = (h + 1) / 2; // stride-2 3x3 convolution with padding 1
                w = (w + 1) / 2;
                total += conv(ch, ch, 3, h, w);
                skips.push(new long[] {ch, h, w});
            }
        }
        total += resBlock(ch, ch, emb, h, w) + transformer(ch, h * w, depth) + resBlock(ch, ch, emb, h, w);
        for (int level = channelMult.length - 1; level >= 0; level--) {
            int out = channelMult[level] * modelChannels;
            for (int i = 0; i <= resBlocks; i++) {
                long[] skip = skips.pop();
                total += resBlock((int) (ch + skip[0]), out, emb, h, w);
                ch = out;
                if (attentionAt[level]) {
                    total += transformer(ch, h * w, depths[level]);
                }
                if (level > 0 && i == resBlocks) {
                    h = skips.peek()[1]; // the upsampler reaches the next skip connection's size
                    w = skips.peek()[2];
                    total += conv(ch, ch, 3, h, w);
                }
            }
        }
        total += conv(modelChannels, outChannels, 3, h, w);
        return total * batch;
    }

    private static double conv(long cin, long cout, int kernel, long h, long w) {
        return 2.0 * cin * cout * kernel * kernel * h * w;
    }

    private static double linear(long tokens, long in, long out) {
        return 2.0 * tokens * in * out;
    }

    private static double resBlock(int cin, int cout, int emb, long h, long w) {
        double flops = conv(cin, cout, 3, h, w) + linear(1, emb, cout) + conv(cout, cout, 3, h, w);
        return cin != cout ? flops + conv(cin, cout, 1, h, w) : flops;
    }

    /** A spatial transformer on {@code c} channels over {@code n} pixels (its inner width is c). */
    private double transformer(int c, long n, int blocks) {
        double block = 0;
        block += 4 * linear(n, c, c) + 2 * 2.0 * n * n * c; // self-attention
        block += 2 * linear(n, c, c)
                + 2 * linear(contextTokens, contextDim, c)
                + 2 * 2.0 * n * contextTokens * c; // cross-attention
        block += linear(n, c, 8L * c) + linear(n, 4L * c, c); // GEGLU feed-forward
        return 2 * conv(c, c, 1, n, 1) + blocks * block; // proj_in, proj_out
    }
}
