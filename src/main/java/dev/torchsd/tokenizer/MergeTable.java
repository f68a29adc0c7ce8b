package dev.torchsd.tokenizer;

import java.util.Arrays;

/**
 * The BPE merges as a map from a pair of token ids to the merge's rank and the id of the merged token.
 * Open addressing on primitive arrays: the lookup is the inner loop of every uncached word.
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] ranks;
    private final int[] mergedIds;
    private final int mask;
    private int size;

    MergeTable(int expectedMerges) {
        int capacity = Integer.highestOneBit(Math.max(16, expectedMerges * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        mergedIds = new int[capacity];
        mask = capacity - 1;
    }

    /** Adds (or, for a pair given twice, re-ranks as Python's dict does) the merge {@code left right}. */
    void put(int left, int right, int rank, int mergedId) {
        long key = key(left, right);
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            if (size + 1 > keys.length / 2) {
                throw new IllegalStateException("merge table is full: " + size + " merges");
            }
            keys[slot] = key;
            size++;
        }
        ranks[slot] = rank;
        mergedIds[slot] = mergedId;
    }

    /** The rank of merging {@code left right}, or -1 when the pair is no merge (or an id is negative). */
    int rank(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        long key = key(left, right);
        int slot = slot(key);
        return keys[slot] == EMPTY ? -1 : ranks[slot];
    }

    /** The id of the token that merging {@code left right} gives; only valid when {@link #rank} is not -1. */
    int mergedId(int left, int right) {
        return mergedIds[slot(key(left, right))];
    }

    int size() {
        return size;
    }

    private int slot(long key) {
        int slot = (int) (mix(key) & mask);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static long mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }
}
