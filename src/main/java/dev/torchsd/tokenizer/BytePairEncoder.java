package dev.torchsd.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * CLIP's byte-pair encoding of one word: the word's UTF-8 bytes become byte-alphabet symbols, the last
 * one carrying the end-of-word mark {@code </w>}; then, as long as some neighbouring pair is a merge, the
 * pair of lowest rank is merged at all its places, left to right, without overlap.
 *
 * <p>OpenAI's code rescans the whole word after every merge, which is quadratic: a 100,000-letter word
 * would take minutes. Here a heap holds the candidate pairs by (rank, position), so a word of n bytes
 * takes O(n log n). To stay exact for any merge table, merges of one rank are done as one batch (left to
 * right, skipping places an earlier merge of the batch consumed) and the pairs they create join the heap
 * only after the batch — which is what the reference's one pass per rank does.
 *
 * <p>Symbols are vocabulary ids. A byte symbol the vocabulary lacks gets a negative id, never merges, and
 * comes out as the unknown id (Hugging Face's CLIP uses {@code <|endoftext|>} as unknown token).
 * Immutable and thread-safe.
 */
final class BytePairEncoder {
    private final MergeTable merges;
    private final int[] byteIds;
    private final int[] endOfWordByteIds;
    private final int unknownId;

    /**
     * @param byteIds          vocabulary id of each byte's symbol, indexed by byte value; -1 when absent
     * @param endOfWordByteIds the same for the symbol followed by {@code </w>}
     */
    BytePairEncoder(MergeTable merges, int[] byteIds, int[] endOfWordByteIds, int unknownId) {
        this.merges = merges;
        this.byteIds = byteIds.clone();
        this.endOfWordByteIds = endOfWordByteIds.clone();
        this.unknownId = unknownId;
    }

    /** The token ids of one word (no whitespace in it; may be empty, then no ids). */
    int[] encode(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        if (n == 0) {
            return new int[0];
        }
        // Live symbols form a linked list by start position; symbol[p] is the id of the symbol starting at p.
        int[] symbol = new int[n];
        int[] next = new int[n];
        int[] previous = new int[n];
        for (int p = 0; p < n; p++) {
            int b = bytes[p] & 0xFF;
            int id = p == n - 1 ? endOfWordByteIds[b] : byteIds[b];
            symbol[p] = id >= 0 ? id : -1 - b;
            next[p] = p + 1 < n ? p + 1 : -1;
            previous[p] = p - 1;
        }
        PairHeap heap = new PairHeap(n);
        for (int p = 0; p + 1 < n; p++) {
            heap.pushIfMerge(p, symbol[p], symbol[p + 1], merges);
        }
        int[] created = new int[8];
        int createdCount = 0;
        while (!heap.isEmpty()) {
            int rank = heap.topRank();
            // One batch: every place of this rank, left to right (the heap orders equal ranks by position).
            while (!heap.isEmpty() && heap.topRank() == rank) {
                int p = heap.popPosition();
                int q = next[p];
                if (symbol[p] == Integer.MIN_VALUE || q < 0 || merges.rank(symbol[p], symbol[q]) != rank) {
                    continue; // consumed or changed by an earlier merge
                }
                symbol[p] = merges.mergedId(symbol[p], symbol[q]);
                symbol[q] = Integer.MIN_VALUE;
                next[p] = next[q];
                if (next[q] >= 0) {
                    previous[next[q]] = p;
                }
                if (createdCount + 2 > created.length) {
                    created = Arrays.copyOf(created, created.length * 2);
                }
                if (previous[p] >= 0) {
                    created[createdCount++] = previous[p];
                }
                created[createdCount++] = p;
            }
            for (int k = 0; k < createdCount; k++) {
                int p = created[k];
                if (symbol[p] != Integer.MIN_VALUE && next[p] >= 0) {
                    heap.pushIfMerge(p, symbol[p], symbol[next[p]], merges);
                }
            }
            createdCount = 0;
        }
        int count = 0;
        for (int p = 0; p >= 0; p = next[p]) {
            count++;
        }
        int[] ids = new int[count];
        int k = 0;
        for (int p = 0; p >= 0; p = next[p]) {
            ids[k++] = symbol[p] >= 0 ? symbol[p] : unknownId;
        }
        return ids;
    }

    /** A binary min-heap of (rank, position) packed in longs. */
    private static final class PairHeap {
        private long[] items;
        private int size;

        PairHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        void pushIfMerge(int position, int left, int right, MergeTable merges) {
            int rank = merges.rank(left, right);
            if (rank < 0) {
                return;
            }
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            long item = ((long) rank << 32) | position;
            int i = size++;
            while (i > 0 && items[(i - 1) / 2] > item) {
                items[i] = items[(i - 1) / 2];
                i = (i - 1) / 2;
            }
            items[i] = item;
        }

        boolean isEmpty() {
            return size == 0;
        }

        int topRank() {
            return (int) (items[0] >>> 32);
        }

        int popPosition() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (items[child] >= last) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return (int) top;
        }
    }
}
