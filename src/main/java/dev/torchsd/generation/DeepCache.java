package dev.torchsd.generation;

import dev.torchsd.model.UNet;
import dev.torchsd.model.UNetInput;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * DeepCache (Ma, Fang and Wang 2023, "DeepCache: Accelerating Diffusion Models for Free", uniform mode) for one
 * denoising loop: every {@code interval}-th U-Net call, counted from the loop's first, runs the whole network and
 * keeps the deep feature of skip branch {@link #BRANCH}; the calls between run only the shallow path around that
 * feature. Interval 1: every call is the exact {@link UNet#predict}.
 *
 * <p>The feature has one row per row of its call's batch, laid out as the guidance batch is ([empty;] [negative;]
 * positive: the positive rows last). A shallow call reuses the feature's last rows when they were made for the same
 * conditioning: the positive rows always (so guidance that stops, {@code --cfg-cutoff}, keeps the cache), the
 * negative rows only while the negative prompt's activity is what it was (a negative window's edge makes a full
 * call). Otherwise the call is a full one, and the count goes on.
 */
final class DeepCache implements AutoCloseable {
    /** DeepCache's default for Stable Diffusion ({@code cache_branch_id} 0): input block 0 and the last output block. */
    static final int BRANCH = 0;

    private final UNet unet;
    private final int interval;
    private final int batch;
    private final int first;
    private Tensor deep; // kept across steps, released on replacement and at close
    private boolean deepNegative;

    /**
     * @param batch the request's images (the positive rows of every call)
     * @param first the loop's first call, which is a full one
     */
    DeepCache(UNet unet, int interval, int batch, int first) {
        this.unet = unet;
        this.interval = interval;
        this.batch = batch;
        this.first = first;
    }

    /** Call {@code call}'s prediction, in the caller's scope: full (keeping its deep feature) or shallow. */
    Tensor predict(UNetInput input, int call, boolean negativeActive) {
        if (interval == 1) {
            return unet.predict(input);
        }
        long rows = input.sample().size(0);
        if ((call - first) % interval != 0 && reusable(rows, negativeActive)) {
            Tensor feature = deep.size(0) == rows ? deep : deep.narrow(0, deep.size(0) - rows, rows);
            return unet.predictShallow(input, feature, BRANCH);
        }
        UNet.CachingPrediction full = unet.predictCaching(input, BRANCH);
        deep = Tensors.drop(deep);
        deep = Tensors.keep(full.deep());
        deepNegative = negativeActive;
        return full.prediction();
    }

    private boolean reusable(long rows, boolean negativeActive) {
        return deep != null && rows <= deep.size(0) && (rows <= batch || negativeActive == deepNegative);
    }

    @Override
    public void close() {
        deep = Tensors.drop(deep);
    }
}
