package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** The noise-prediction U-Net: (latents, timestep, text conditioning) -> predicted noise (or v). */
public final class UNet implements AutoCloseable {
    private final TorchScriptModule module;
    private final Manifest.UNetSpec spec;

    UNet(TorchScriptModule module, Manifest.UNetSpec spec) {
        this.module = module;
        this.spec = spec;
    }

    public int inChannels() {
        return spec.inChannels();
    }

    /**
     * One call for the whole batch. The timestep goes in as a float32 tensor so fractional
     * timesteps (Euler, Heun, ...) stay exact.
     */
    public Tensor predict(Tensor latents, double timestep, Tensor context) {
        return Tensors.scoped(() -> {
            Tensor t = Tensors.fromFloats(new float[] {(float) timestep}, 1);
            if (latents.device().is_cuda()) {
                t = t.to(latents.device(), t.scalar_type());
            }
            return module.forward(latents, t, context);
        });
    }

    /** Calls so far and the time spent inside the network (for benchmarks). */
    public NetworkTime time() {
        return module.time();
    }

    @Override
    public void close() {
        module.close();
    }
}
