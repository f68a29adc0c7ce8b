package dev.torchsd.embedding;

import java.util.Arrays;

/**
 * A tensor as a torch pickle describes it ({@code torch._utils._rebuild_tensor_v2}): a view with
 * offset, sizes and strides (in elements) into a storage whose bytes are read separately.
 */
public record PickledTensor(TorchStorageRef storage, long storageOffset, long[] size, long[] stride) {
    @Override
    public String toString() {
        return "tensor(" + storage.dtype().torchName() + Arrays.toString(size) + ")";
    }
}
