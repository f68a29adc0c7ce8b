package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** The VAE decoder: latents -> image in [-1, 1], (batch, 3, scale*h, scale*w). */
public final class VaeDecoder implements AutoCloseable {
    private final TorchScriptModule module;
    private final Manifest.VaeSpec spec;

    VaeDecoder(TorchScriptModule module, Manifest.VaeSpec spec) {
        this.module = module;
        this.spec = spec;
    }

    /** Decodes denoised latents, dividing them by the manifest's scaling factor first (as diffusers does). */
    public Tensor decode(Tensor latents) {
        return Tensors.scoped(() -> module.forward(latents.div(Tensors.scalar(spec.scalingFactor()))));
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
