package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The VAE encoder (encoder + quant_conv): image in [-1, 1], (batch, 3, H, W) -> the latent
 * distribution's moments (batch, 2 × latent channels, H/scale, W/scale), mean then log-variance.
 * Sampling them and the scaling factor are the caller's (diffusers' DiagonalGaussianDistribution).
 */
public final class VaeEncoder implements AutoCloseable {
    private final TorchScriptModule module;

    VaeEncoder(TorchScriptModule module) {
        this.module = module;
    }

    /** The moments of {@code image}, in the caller's scope. */
    public Tensor moments(Tensor image) {
        return Tensors.scoped(() -> module.forward(image));
    }

    /** Calls so far and the time spent inside the network (for benchmarks). */
    public NetworkTime time() {
        return module.time();
    }

    /** The loaded module. */
    TorchScriptModule module() {
        return module;
    }

    @Override
    public void close() {
        module.close();
    }
}
