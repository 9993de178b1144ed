package dev.muse.engine.model;

import java.util.Arrays;

/**
 * Keys and values per sequence slot, per layer, per position. A slot is one sequence; {@link #copyPrefix} lets
 * n samples of one prompt share a prefill. Slots are allocated on first use so unused ones cost nothing.
 */
public final class KvCache {
    private final int layers;
    private final int kvDim;
    private final int contextLength;
    private final float[][][] keys;
    private final float[][][] values;

    public KvCache(ModelConfig config, int slots, int contextLength) {
        if (slots < 1) throw new IllegalArgumentException("a KV cache needs at least one slot, got " + slots);
        if (contextLength < 1 || contextLength > config.contextLength()) {
            throw new IllegalArgumentException("context length must be 1.." + config.contextLength() + ", got " + contextLength);
        }
        long bytes = 2L * 4 * config.layers() * config.kvDim() * contextLength;
        if ((long) config.kvDim() * contextLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a KV slot of " + bytes + " bytes per layer is too large; lower the context length");
        }
        this.layers = config.layers();
        this.kvDim = config.kvDim();
        this.contextLength = contextLength;
        this.keys = new float[slots][][];
        this.values = new float[slots][][];
    }

    public int slots() {
        return keys.length;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Bytes one slot holds once used. */
    public long bytesPerSlot() {
        return 2L * 4 * layers * kvDim * contextLength;
    }

    float[] keys(int slot, int layer) {
        ensure(slot);
        return keys[slot][layer];
    }

    float[] values(int slot, int layer) {
        ensure(slot);
        return values[slot][layer];
    }

    private void ensure(int slot) {
        if (keys[slot] == null) {
            keys[slot] = new float[layers][kvDim * contextLength];
            values[slot] = new float[layers][kvDim * contextLength];
        }
    }

    /** Copies positions {@code [0, positions)} of slot {@code from} to slot {@code to}. */
    public void copyPrefix(int from, int to, int positions) {
        if (from == to) return;
        ensure(from);
        ensure(to);
        int n = positions * kvDim;
        for (int l = 0; l < layers; l++) {
            System.arraycopy(keys[from][l], 0, keys[to][l], 0, n);
            System.arraycopy(values[from][l], 0, values[to][l], 0, n);
        }
    }

    /** Frees a slot's memory. */
    public void release(int slot) {
        keys[slot] = null;
        values[slot] = null;
    }

    @Override
    public String toString() {
        return "KvCache" + Arrays.toString(new int[] {keys.length, layers, kvDim, contextLength});
    }
}
