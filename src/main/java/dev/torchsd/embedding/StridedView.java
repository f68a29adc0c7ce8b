package dev.torchsd.embedding;

import java.util.Arrays;

/**
 * A tensor view into a storage (offset, sizes, strides in elements), checked to stay inside the
 * storage before any byte is read, and copied out into a contiguous row-major {@link StoredTensor}.
 * Shared by both torch file formats.
 */
final class StridedView {

    /** The largest tensor read (elements): far above any embedding, far below the heap. */
    static final long MAX_ELEMENTS = 64L * 1024 * 1024;

    private final String where;
    private final PickledTensor tensor;
    private final long elementCount;
    private final long lastIndex;

    private StridedView(String where, PickledTensor tensor, long elementCount, long lastIndex) {
        this.where = where;
        this.tensor = tensor;
        this.elementCount = elementCount;
        this.lastIndex = lastIndex;
    }

    /** Checks {@code tensor}'s view against its storage's element count. */
    static StridedView of(String where, PickledTensor tensor) {
        long count;
        long last = tensor.storageOffset();
        try {
            count = StoredTensor.elementCount(tensor.size());
            for (int d = 0; d < tensor.size().length; d++) {
                if (tensor.size()[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(tensor.size()[d] - 1, tensor.stride()[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new EmbeddingException(where + ": size " + Arrays.toString(tensor.size()) + " is impossibly large");
        }
        if (count > MAX_ELEMENTS) {
            throw new EmbeddingException(
                    where + ": " + count + " elements, more than the " + MAX_ELEMENTS + " an embedding may have");
        }
        long storageCount = tensor.storage().elementCount();
        if (count > 0 && last >= storageCount) {
            throw new EmbeddingException(where + ": the view (offset " + tensor.storageOffset() + ", size "
                    + Arrays.toString(tensor.size()) + ", stride " + Arrays.toString(tensor.stride())
                    + ") reaches element " + last + " of a storage of " + storageCount);
        }
        long spanBytes = count == 0
                ? 0
                : (last - tensor.storageOffset() + 1) * tensor.storage().dtype().byteSize();
        if (spanBytes > MAX_ELEMENTS * 4) {
            throw new EmbeddingException(
                    where + ": the view spans " + spanBytes + " bytes of its storage; too sparse to read");
        }
        return new StridedView(where, tensor, count, last);
    }

    /** Index of the view's first element in the storage. */
    long firstIndex() {
        return tensor.storageOffset();
    }

    /** Bytes of storage from the first to the last element of the view (0 for an empty view). */
    long spanBytes() {
        return elementCount == 0
                ? 0
                : (lastIndex - firstIndex() + 1) * tensor.storage().dtype().byteSize();
    }

    /** Copies the view out of {@code span} (the storage bytes from {@link #firstIndex()} on, {@link #spanBytes()} long). */
    StoredTensor gather(byte[] span) {
        int elementSize = tensor.storage().dtype().byteSize();
        byte[] out = new byte[Math.toIntExact(elementCount * elementSize)];
        long[] size = tensor.size();
        long[] stride = tensor.stride();
        int rank = size.length;
        long[] index = new long[rank];
        for (int i = 0; i < elementCount; i++) {
            long source = 0;
            for (int d = 0; d < rank; d++) {
                source += index[d] * stride[d];
            }
            System.arraycopy(span, (int) (source * elementSize), out, i * elementSize, elementSize);
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < size[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return new StoredTensor(where, tensor.storage().dtype(), size, out);
    }
}
