package dev.torchsd.model;

import dev.torchsd.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The noise-prediction U-Net: {@link UNetInput} (sample, timestep, text context and the manifest's
 * extra inputs) -> predicted noise (or v) with the latents' channels.
 */
public final class UNet implements AutoCloseable {
    private final TorchScriptModule module;
    private final Manifest.UNetSpec spec;

    UNet(TorchScriptModule module, Manifest.UNetSpec spec) {
        this.module = module;
        this.spec = spec;
    }

    /** Channels of the sample the U-Net takes: the latents' and, for inpainting models, mask and masked-image latents. */
    public int inChannels() {
        return spec.inChannels();
    }

    /** The extra inputs the export takes after (sample, timestep, context), in order. */
    public List<String> extraInputs() {
        return spec.extraInputs();
    }

    /**
     * One call for the whole batch. The timestep goes in as a float32 tensor so fractional
     * timesteps (Euler, Heun, ...) stay exact.
     */
    public Tensor predict(UNetInput input) {
        if (input.sample().size(1) != spec.inChannels()) {
            throw new ModelException(module.file().getFileName() + ": the sample has "
                    + input.sample().size(1) + " channels, the U-Net takes " + spec.inChannels());
        }
        if (!input.extras().keySet().equals(new java.util.HashSet<>(spec.extraInputs()))) {
            throw new ModelException(module.file().getFileName() + ": extra inputs "
                    + input.extras().keySet() + " given, the manifest's unet.extra_inputs are " + spec.extraInputs());
        }
        return Tensors.scoped(() -> {
            Tensor t = Tensors.fromFloats(new float[] {(float) input.timestep()}, 1);
            if (input.sample().device().is_cuda()) {
                t = t.to(input.sample().device(), t.scalar_type());
            }
            List<Object> args = new ArrayList<>(List.of(input.sample(), t, input.context()));
            for (String name : spec.extraInputs()) {
                args.add(input.extras().get(name));
            }
            return module.forward(args.toArray());
        });
    }

    /** Calls so far and the time spent inside the network (for benchmarks). */
    public NetworkTime time() {
        return module.time();
    }

    /** The loaded module (its parameters are what LoRA changes). */
    TorchScriptModule module() {
        return module;
    }

    @Override
    public void close() {
        module.close();
    }
}
