package dev.muse.engine.model;

import java.util.Arrays;

/**
 * Keys and values per sequence slot, per layer, per position, in blocks of {@link #BLOCK} positions that slots
 * share. A slot's block table maps its positions to blocks; blocks are allocated when a position is first written,
 * so a slot costs what it holds, not the whole context. {@link #copyPrefix} makes a slot share another's blocks
 * (n samples of one prompt, Contemplating's agents, the next turn of a conversation) and a write to a shared block
 * copies it first (copy on write), so sharing never changes what another slot reads.
 *
 * <p>Inside a block each KV head's positions lie together, so one head's attention reads one contiguous run per
 * block: keys transposed ({@link #keyBlock}: per dimension the block's positions side by side, so the attention
 * kernel takes a vector of positions' scores at once and needs no per-position reduction), values by position
 * ({@link #valueBlock}).
 *
 * <p>Used from one thread at a time for writes ({@link #store}, {@link #copyPrefix}, {@link #release}); reads of
 * blocks may run in parallel between writes.
 */
public final class KvCache {
    /** Positions per block. */
    public static final int BLOCK = 32;

    private final int layers;
    private final int kvDim;
    private final int headDim;
    private final int contextLength;
    /** Per slot, the block id of each of its blocks, or -1. */
    private final int[][] table;
    private float[][][] keyBlocks = new float[0][][];
    private float[][][] valueBlocks = new float[0][][];
    private int[] refs = new int[0];
    private int[] freeIds = new int[0];
    private int freeCount;
    private int allocated;

    public KvCache(ModelConfig config, int slots, int contextLength) {
        if (slots < 1) throw new IllegalArgumentException("a KV cache needs at least one slot, got " + slots);
        if (contextLength < 1 || contextLength > config.contextLength()) {
            throw new IllegalArgumentException("context length must be 1.." + config.contextLength() + ", got " + contextLength);
        }
        this.layers = config.layers();
        this.kvDim = config.kvDim();
        this.headDim = config.headDim();
        this.contextLength = contextLength;
        this.table = new int[slots][(contextLength + BLOCK - 1) / BLOCK];
        for (int[] t : table) Arrays.fill(t, -1);
    }

    public int slots() {
        return table.length;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Floats per position of one layer: every KV head's key (or value). */
    int kvDim() {
        return kvDim;
    }

    /** Bytes one block holds (keys and values of every layer for {@link #BLOCK} positions). */
    public long bytesPerBlock() {
        return 2L * Float.BYTES * layers * kvDim * BLOCK;
    }

    /** Bytes held now by all blocks in use (shared blocks counted once). */
    public long bytesInUse() {
        return bytesPerBlock() * (allocated - freeCount);
    }

    /** Blocks slot {@code slot} refers to, shared ones included. */
    int blocksOf(int slot) {
        int n = 0;
        for (int id : table[slot]) if (id >= 0) n++;
        return n;
    }

    /**
     * Keys of layer {@code layer} for the slot's block {@code block}, transposed per KV head: element {@code j} of
     * head {@code h} at position {@code p} of the block is at {@code (h·headDim + j)·BLOCK + p}.
     */
    float[] keyBlock(int slot, int layer, int block) {
        return keyBlocks[table[slot][block]][layer];
    }

    /** Values of that block by head, then position: element {@code j} of head h at p is at {@code (h·BLOCK + p)·headDim + j}. */
    float[] valueBlock(int slot, int layer, int block) {
        return valueBlocks[table[slot][block]][layer];
    }

    /** Element {@code i} (head i / headDim) of the key the slot holds at {@code pos} in layer {@code layer}. */
    float key(int slot, int layer, int pos, int i) {
        return keyBlock(slot, layer, pos / BLOCK)[i * BLOCK + pos % BLOCK];
    }

    /** Element {@code i} of the value the slot holds at {@code pos} in layer {@code layer}. */
    float value(int slot, int layer, int pos, int i) {
        return valueBlock(slot, layer, pos / BLOCK)[(i / headDim * BLOCK + pos % BLOCK) * headDim + i % headDim];
    }

    /** Writes the key and value of position {@code pos} of layer {@code layer} into the slot's own block. */
    void store(int slot, int layer, int pos, float[] k, float[] v) {
        int id = writable(slot, pos / BLOCK);
        int p = pos % BLOCK;
        float[] keys = keyBlocks[id][layer], values = valueBlocks[id][layer];
        for (int i = 0; i < kvDim; i++) keys[i * BLOCK + p] = k[i]; // (h·headDim + j)·BLOCK + p with i = h·headDim + j
        for (int h = 0; h < kvDim / headDim; h++) System.arraycopy(v, h * headDim, values, (h * BLOCK + p) * headDim, headDim);
    }

    /** The slot's block {@code b}, allocated if missing and copied first if another slot shares it. */
    private int writable(int slot, int b) {
        int id = table[slot][b];
        if (id < 0) {
            id = allocate();
        } else if (refs[id] > 1) {
            int copy = allocate();
            for (int l = 0; l < layers; l++) {
                System.arraycopy(keyBlocks[id][l], 0, keyBlocks[copy][l], 0, BLOCK * kvDim);
                System.arraycopy(valueBlocks[id][l], 0, valueBlocks[copy][l], 0, BLOCK * kvDim);
            }
            refs[id]--;
            id = copy;
        } else {
            return id;
        }
        table[slot][b] = id;
        return id;
    }

    private int allocate() {
        int id;
        if (freeCount > 0) {
            id = freeIds[--freeCount];
        } else {
            id = allocated++;
            if (id == keyBlocks.length) {
                int grown = Math.max(16, id * 2);
                keyBlocks = Arrays.copyOf(keyBlocks, grown);
                valueBlocks = Arrays.copyOf(valueBlocks, grown);
                refs = Arrays.copyOf(refs, grown);
                freeIds = Arrays.copyOf(freeIds, grown);
            }
            keyBlocks[id] = new float[layers][BLOCK * kvDim];
            valueBlocks[id] = new float[layers][BLOCK * kvDim];
        }
        refs[id] = 1;
        return id;
    }

    private void drop(int slot, int b) {
        int id = table[slot][b];
        if (id < 0) return;
        table[slot][b] = -1;
        if (--refs[id] == 0) freeIds[freeCount++] = id;
    }

    /**
     * Makes slot {@code to} hold positions {@code [0, positions)} of slot {@code from} by sharing its blocks (the
     * last, partly filled one too: whichever slot writes to it first gets its own copy). What {@code to} held is
     * released.
     */
    public void copyPrefix(int from, int to, int positions) {
        if (from == to) return;
        int shared = (positions + BLOCK - 1) / BLOCK;
        for (int b = 0; b < table[to].length; b++) {
            int id = b < shared ? table[from][b] : -1;
            if (table[to][b] == id) continue;
            drop(to, b);
            if (id >= 0) {
                refs[id]++;
                table[to][b] = id;
            }
        }
    }

    /** Frees a slot's blocks (shared ones stay with the slots that still use them). */
    public void release(int slot) {
        for (int b = 0; b < table[slot].length; b++) drop(slot, b);
    }

    @Override
    public String toString() {
        return "KvCache[slots " + table.length + ", layers " + layers + ", kvDim " + kvDim + ", context " + contextLength
                + ", blocks in use " + (allocated - freeCount) + "]";
    }
}
