package dev.torchsd.tensor;

import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Small conversions between Java arrays and libtorch tensors (float32, CPU), and the native-lifetime rules:
 * work in its own scope ({@link #scoped}), keep past every scope ({@link #keep}, {@link #keepShared}) and
 * release what was kept ({@link #drop}).
 */
public final class Tensors {
    static {
        LibTorch.ensureLoaded();
    }

    private Tensors() {}

    /** A new float32 CPU tensor holding a copy of {@code values} in the given shape. */
    public static Tensor fromFloats(float[] values, long... shape) {
        return scoped(() -> {
            Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
            if (t.numel() != values.length) {
                throw new IllegalArgumentException("shape holds " + t.numel() + " values, got " + values.length);
            }
            FloatPointer data = t.data_ptr_float();
            data.put(values);
            return t;
        });
    }

    /** A float32 CPU tensor with one value per entry of {@code values}. */
    public static Tensor fromDoubles(double[] values, long... shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return fromFloats(f, shape);
    }

    /** A copy of the tensor's values (any device, any float dtype) as a Java array, in row-major order. */
    public static float[] toFloats(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor cpu = t.to(new org.bytedeco.pytorch.Device(torch.DeviceType.CPU), torch.ScalarType.Float)
                    .contiguous();
            float[] out = new float[(int) cpu.numel()];
            cpu.data_ptr_float().get(out);
            return out;
        }
    }

    /** The tensor's shape as a Java array. */
    public static long[] shape(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            return t.sizes().vec().get();
        }
    }

    /**
     * Runs {@code work} in its own {@link PointerScope}, so every temporary it makes is freed when it
     * returns, and hands its result to the caller's scope (if the caller has one): the result lives as
     * long as the caller's scope, or until the caller closes it, whichever comes first.
     */
    public static <T extends Pointer> T scoped(Supplier<T> work) {
        T result;
        try (PointerScope scope = new PointerScope()) {
            result = work.get();
            result.retainReference();
        }
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.attach(result);
            result.releaseReference();
        }
        return result;
    }

    /**
     * Keeps a pointer alive past every {@link PointerScope}: its reference count is raised, so a scope's
     * close only lowers it again; its owner frees it with {@code close()}. For what outlives requests
     * (a model's tables) and what the pipeline closes itself (the latents between steps).
     * (PointerScope.detach would free it at once.)
     */
    public static <T extends Pointer> T keep(T pointer) {
        pointer.retainReference();
        return pointer;
    }

    /**
     * A kept handle on a tensor someone else owns, such as a tensor passed in by a caller: a new handle on
     * the same storage, {@link #keep kept}, so the caller may close its own handle (or its scope may) while
     * this one lives on. Pair with {@link #drop}.
     */
    public static Tensor keepShared(Tensor tensor) {
        return keep(tensor.alias());
    }

    /**
     * Releases a pointer kept with {@link #keep} or {@link #keepShared}: it is freed once no scope holds it
     * either. Null (or an already freed pointer) is ignored. Returns null, so a field is released and
     * cleared in one statement: {@code history = Tensors.drop(history);}.
     */
    public static <T extends Pointer> T drop(T pointer) {
        if (pointer != null && !pointer.isNull()) {
            pointer.releaseReference();
        }
        return null;
    }

    public static Scalar scalar(double value) {
        return new Scalar(value);
    }
}
