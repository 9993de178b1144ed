package dev.muse.tokenizer;

import java.util.Arrays;

/**
 * BPE merges keyed by the pair of token ids: open addressing over primitive arrays, so a 150k-merge table costs
 * a few MB and a lookup costs no allocation.
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, EMPTY);
        ranks = new int[cap];
        results = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Adds a merge unless the pair already has one (the first, lowest rank wins). */
    void put(int left, int right, int rank, int result) {
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) return;
            i = (i + 1) & mask;
        }
        keys[i] = k;
        ranks[i] = rank;
        results[i] = result;
    }

    /** Slot of the pair, or -1 if the pair has no merge. */
    int find(int left, int right) {
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) return i;
            i = (i + 1) & mask;
        }
        return -1;
    }

    int rankAt(int slot) {
        return ranks[slot];
    }

    int resultAt(int slot) {
        return results[slot];
    }
}
