package dev.torchsd.model;

import dev.torchsd.runtime.Precision;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;

/**
 * Turns a loaded module's floating-point weights into another type, in place, right after loading:
 * stored float16 weights into float32, and the U-Net's into its {@link Precision}. The exported code
 * takes its computing precision from the weights (inputs are cast to the weights' dtype, the result
 * back to the input's), so a module computes in the type its weights have. Tensors are converted
 * one at a time and each old storage is released as its replacement goes in: the weights are held
 * twice only one tensor at a time. Only floating-point parameters and buffers change; integer
 * buffers (ids, counters) stay exact. {@code JitModule.to(ScalarType)} is not used because it
 * would convert those too.
 */
final class FloatWeights {
    private FloatWeights() {}

    /** Every floating-point parameter and buffer of {@code module} as {@code type}. */
    static void convert(JitModule module, torch.ScalarType type) {
        ModuleTensors.forEachParameterAndBuffer(module, tensor -> {
            if (tensor.is_floating_point() && tensor.scalar_type().intern() != type) {
                tensor.set_data(tensor.to(type));
            }
        });
    }

    /** libtorch's type of a precision. */
    static torch.ScalarType of(Precision precision) {
        return switch (precision) {
            case FP32 -> torch.ScalarType.Float;
            case FP16 -> torch.ScalarType.Half;
            case BF16 -> torch.ScalarType.BFloat16;
        };
    }
}
