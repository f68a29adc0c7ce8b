package dev.torchsd.scheduler;

import dev.torchsd.tensor.LibTorch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The samplers' tensor arithmetic with host-side coefficients: scaled sums, clamps and Gaussian noise.
 * Results are new tensors in the caller's scope; the lifetime operations are in
 * {@link dev.torchsd.tensor.Tensors}.
 */
final class TensorMath {
    static {
        LibTorch.ensureLoaded();
    }

    private TensorMath() {}

    /** factor * x. */
    static Tensor times(double factor, Tensor x) {
        return x.mul(new Scalar(factor));
    }

    /** x / divisor. */
    static Tensor divide(Tensor x, double divisor) {
        return x.div(new Scalar(divisor));
    }

    /** a * x + b * y. */
    static Tensor combine(double a, Tensor x, double b, Tensor y) {
        return x.mul(new Scalar(a)).add(y.mul(new Scalar(b)));
    }

    /** x + b * y. */
    static Tensor plus(Tensor x, double b, Tensor y) {
        return x.add(y.mul(new Scalar(b)));
    }

    /** Clamps every value to [-range, range] (diffusers' clip_sample). */
    static Tensor clip(Tensor x, double range) {
        return x.clamp(new ScalarOptional(new Scalar(-range)), new ScalarOptional(new Scalar(range)));
    }

    /** Standard normal noise shaped like {@code like}, drawn from {@code generator} as torch.randn does. */
    static Tensor randnLike(Tensor like, Generator generator) {
        if (generator == null) {
            throw new IllegalArgumentException("this sampler is stochastic and needs a generator (the request's seed)");
        }
        long[] shape = new long[(int) like.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = like.size(i);
        }
        return torch.randn(shape, new GeneratorOptional(generator), new TensorOptions(torch.ScalarType.Float));
    }
}
