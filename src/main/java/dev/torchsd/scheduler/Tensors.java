package dev.torchsd.scheduler;

import dev.torchsd.tensor.LibTorch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.function.Supplier;

/**
 * The tensor arithmetic and native-lifetime rules shared by the schedulers.
 *
 * <p>Lifetimes: each public scheduler call does its work in its own {@link PointerScope}, so every
 * intermediate tensor and scalar is freed when the call returns. The result is handed to the caller's
 * scope (or, without one, left to the caller's {@code close()} or the garbage collector). Tensors a
 * scheduler keeps between steps are {@link #keep kept} (their reference count raised so no scope frees
 * them) and {@link #drop dropped} when replaced or on {@code close()}.
 */
final class Tensors {
    static {
        LibTorch.ensureLoaded();
    }

    private Tensors() {
    }

    /** Runs {@code work} in a fresh scope and hands its (new) result tensor to the caller's scope. */
    static Tensor inOwnScope(Supplier<Tensor> work) {
        return dev.torchsd.tensor.Tensors.scoped(work);
    }

    /** Keeps {@code tensor} alive past the current scope; pair with {@link #drop}. */
    static Tensor keep(Tensor tensor) {
        tensor.retainReference();
        return tensor;
    }

    /** A kept handle on a tensor the caller owns (shares its storage; the caller may free its own handle). */
    static Tensor keepShared(Tensor callerTensor) {
        return keep(callerTensor.alias());
    }

    /** Releases a tensor kept with {@link #keep}; null is ignored. Returns null for convenient field resets. */
    static Tensor drop(Tensor tensor) {
        if (tensor != null && !tensor.isNull()) {
            tensor.releaseReference();
        }
        return null;
    }

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
