package dev.torchsd.lora;

import dev.torchsd.embedding.DType;
import dev.torchsd.embedding.StoredTensor;
import dev.torchsd.tensor.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A LoRA file's factors as libtorch tensors. The stored little-endian bytes go straight into a tensor
 * of their own type, which libtorch widens to float32 (exactly: every float16 and bfloat16 value is a
 * float32), so the factors never pass through Java floats: the same values {@link StoredTensor#toFloats}
 * gives, one copy instead of a decode and two copies. (libtorch's CPU platforms are all little-endian.)
 */
final class FactorTensors {
    private FactorTensors() {}

    /** The stored values as a float32 CPU tensor. */
    static Tensor float32(StoredTensor stored) {
        return Tensors.scoped(() -> {
            Tensor t = torch.empty(stored.shape(), new TensorOptions(type(stored.dtype())), new MemoryFormatOptional());
            byte[] data = stored.data();
            new BytePointer(t.data_ptr()).capacity(data.length).put(data);
            return t.to(torch.ScalarType.Float); // float32 already: the same tensor, no copy
        });
    }

    /** A float32 tensor of {@code shape} on the meta device: a shape for libtorch to check, no values. */
    static Tensor meta(long[] shape) {
        return torch.empty(shape, new TensorOptions(new Device(torch.DeviceType.Meta)), new MemoryFormatOptional());
    }

    private static torch.ScalarType type(DType dtype) {
        return switch (dtype) {
            case F32 -> torch.ScalarType.Float;
            case F16 -> torch.ScalarType.Half;
            case BF16 -> torch.ScalarType.BFloat16;
            default ->
                throw new LoraException("a LoRA factor of type " + dtype.torchName()
                        + "; LoRA weights must be float32, float16 or bfloat16");
        };
    }
}
