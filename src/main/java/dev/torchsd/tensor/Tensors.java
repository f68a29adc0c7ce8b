package dev.torchsd.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Small conversions between Java arrays and libtorch tensors (float32, CPU). */
public final class Tensors {
    static {
        LibTorch.ensureLoaded();
    }

    private Tensors() {
    }

    /** A new float32 CPU tensor holding a copy of {@code values} in the given shape. */
    public static Tensor fromFloats(float[] values, long... shape) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
            if (t.numel() != values.length) {
                throw new IllegalArgumentException("shape holds " + t.numel() + " values, got " + values.length);
            }
            FloatPointer data = t.data_ptr_float();
            data.put(values);
            return keep(t);
        }
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
            Tensor cpu = t.to(new org.bytedeco.pytorch.Device(torch.DeviceType.CPU), torch.ScalarType.Float).contiguous();
            float[] out = new float[(int) cpu.numel()];
            cpu.data_ptr_float().get(out);
            return out;
        }
    }

    /** The tensor's shape as a Java array. */
    public static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    /**
     * Keeps a tensor alive past the {@link org.bytedeco.javacpp.PointerScope} it was made in: its
     * reference count is raised, so the scope's close only lowers it again; the caller then owns it
     * and frees it with {@code close()}. (PointerScope.detach would free it at once.)
     */
    public static <T extends org.bytedeco.javacpp.Pointer> T keep(T pointer) {
        pointer.retainReference();
        return pointer;
    }

    public static Scalar scalar(double value) {
        return new Scalar(value);
    }
}
