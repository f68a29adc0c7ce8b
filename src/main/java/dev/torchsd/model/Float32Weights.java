package dev.torchsd.model;

import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Turns a loaded module's stored float16 weights into float32 ones, in place, right after loading.
 * The exported code takes its computing precision from the weights (inputs are cast to the
 * weights' dtype), so after this every network computes in float32. Tensors are converted one at
 * a time and each half-precision storage is released as its float32 replacement goes in: the
 * weights are held twice only one tensor at a time. Only floating-point parameters and buffers
 * change; integer buffers (ids, counters) stay exact. {@code JitModule.to(ScalarType)} is not used
 * because it would convert those too.
 */
final class Float32Weights {
    private Float32Weights() {}

    static void convert(JitModule module) {
        ModuleTensors.forEachParameterAndBuffer(module, Float32Weights::toFloat32);
    }

    private static void toFloat32(Tensor tensor) {
        if (tensor.is_floating_point() && tensor.scalar_type().intern() != torch.ScalarType.Float) {
            tensor.set_data(tensor.to(torch.ScalarType.Float));
        }
    }
}
