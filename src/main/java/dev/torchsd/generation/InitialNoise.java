package dev.torchsd.generation;

import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The initial latents' noise, drawn exactly as diffusers draws it on the CPU:
 * {@code torch.randn(shape, generator=torch.Generator().manual_seed(seed))}. libtorch's CPU
 * generator (mt19937 with torch's normal sampling) gives the same values bit for bit.
 */
public final class InitialNoise {
    static {
        LibTorch.ensureLoaded();
    }

    private InitialNoise() {}

    /** A new generator seeded like {@code torch.Generator().manual_seed(seed)}. */
    public static Generator generator(long seed) {
        return torch.make_generator_cpu(seed);
    }

    /** Standard normal float32 noise of the given shape, on the CPU, advancing the generator. */
    public static Tensor sample(Generator generator, long... shape) {
        return Tensors.scoped(
                () -> torch.randn(shape, new GeneratorOptional(generator), new TensorOptions(torch.ScalarType.Float)));
    }
}
