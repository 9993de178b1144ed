package dev.muse.engine.model;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Keys and values per sequence slot, per layer, per position, in blocks of {@link #BLOCK} positions that slots
 * share. A slot's block table maps its positions to blocks; blocks are allocated when a position is first written,
 * so a slot costs what it holds, not the whole context. {@link #copyPrefix} makes a slot share another's blocks
 * (n samples of one prompt, Contemplating's agents, the next turn of a conversation) and a write to a shared block
 * copies it first (copy on write), so sharing never changes what another slot reads.
 *
 * <p>Inside a block each KV head's positions lie together, so one head's attention reads one contiguous run per
 * block: keys transposed ({@link #keys}: per dimension the block's positions side by side, so the attention kernel
 * takes a vector of positions' scores at once and needs no per-position reduction), values by position
 * ({@link #values}). Stored as half floats unless asked for F32 ({@link Type}).
 *
 * <p>Used from one thread at a time for writes ({@link #store}, {@link #copyPrefix}, {@link #release}); reads of
 * blocks may run in parallel between writes.
 */
public final class KvCache {
    /** Positions per block. */
    public static final int BLOCK = 32;

    /**
     * How keys and values are stored: half floats by default, as llama.cpp stores them (half the memory, and decoding
     * at long contexts reads the cache at the memory's speed: a 1B model at ~1800 positions reads 118 MB of F32 keys
     * and values per token against 695 MB of Q4_0 weights), or F32 for comparisons that want no rounding.
     */
    public enum Type {
        F16(Short.BYTES), F32(Float.BYTES);

        final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }
    }

    private final int layers;
    private final int kvDim;
    private final int headDim;
    private final int contextLength;
    private final Type type;
    /** Per slot, the block id of each of its blocks, or -1. */
    private final int[][] table;
    /** Per block id and layer, a {@code short[]} (F16) or {@code float[]} (F32) in the layout {@link #keys} describes. */
    private Object[][] keyBlocks = new Object[0][];
    private Object[][] valueBlocks = new Object[0][];
    private int[] refs = new int[0];
    private int[] freeIds = new int[0];
    private int freeCount;
    private int allocated;

    /** A cache of half floats ({@link Type#F16}). */
    public KvCache(ModelConfig config, int slots, int contextLength) {
        this(config, slots, contextLength, Type.F16);
    }

    public KvCache(ModelConfig config, int slots, int contextLength, Type type) {
        if (slots < 1) throw new IllegalArgumentException("a KV cache needs at least one slot, got " + slots);
        if (contextLength < 1 || contextLength > config.contextLength()) {
            throw new IllegalArgumentException("context length must be 1.." + config.contextLength() + ", got " + contextLength);
        }
        this.layers = config.layers();
        this.kvDim = config.kvDim();
        this.headDim = config.headDim();
        this.contextLength = contextLength;
        this.type = type;
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

    public Type type() {
        return type;
    }

    /** Bytes one block holds (keys and values of every layer for {@link #BLOCK} positions). */
    public long bytesPerBlock() {
        return bytesPerPosition(layers, kvDim, type) * BLOCK;
    }

    /** Bytes of keys and values per position of a model with this many layers and KV width. */
    public static long bytesPerPosition(int layers, int kvDim, Type type) {
        return 2L * type.bytes * layers * kvDim;
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
     * Writes KV head {@code head}'s keys of layer {@code layer} in the slot's block {@code block} into
     * {@code out[0 .. headDim·BLOCK)} as floats, transposed: element j of the block's position p at
     * {@code j·BLOCK + p}. Positions the slot has not written hold whatever the block held.
     */
    void keys(int slot, int layer, int block, int head, float[] out) {
        run(keyBlocks[table[slot][block]][layer], head * headDim * BLOCK, out);
    }

    /** KV head {@code head}'s values likewise, by position: element j of position p at {@code p·headDim + j}. */
    void values(int slot, int layer, int block, int head, float[] out) {
        run(valueBlocks[table[slot][block]][layer], head * BLOCK * headDim, out);
    }

    /** A head's run of a block (headDim·BLOCK values from {@code from}) as floats in {@code out[0..)}. */
    private void run(Object block, int from, float[] out) {
        int n = headDim * BLOCK;
        if (block instanceof short[] h) {
            int i = 0;
            for (int end = n - n % H.length(); i < end; i += H.length()) widen(ShortVector.fromArray(H, h, from + i)).intoArray(out, i);
            for (; i < n; i++) out[i] = widen(h[from + i]);
        } else {
            System.arraycopy(block, from, out, 0, n);
        }
    }

    /**
     * {@link #keys} of blocks {@code block} and {@code block + 1} at once, the second's run after the first's in
     * {@code out}: one loop reading two streams, where one stream per core reads only ~9–11 GB/s here.
     */
    void keysOfTwo(int slot, int layer, int block, int head, float[] out) {
        runs(keyBlocks[table[slot][block]][layer], keyBlocks[table[slot][block + 1]][layer], head * headDim * BLOCK, out);
    }

    /** {@link #values} of two neighbouring blocks, as {@link #keysOfTwo}. */
    void valuesOfTwo(int slot, int layer, int block, int head, float[] out) {
        runs(valueBlocks[table[slot][block]][layer], valueBlocks[table[slot][block + 1]][layer], head * BLOCK * headDim, out);
    }

    private static final VectorSpecies<Float> WF = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> WI = IntVector.SPECIES_PREFERRED;
    /** As many half floats as {@link #WF} has lanes. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(WF.vectorBitSize() / 2));
    private static final int HALF_BITS = 0x8fffe000;
    private static final float HALF_REBIAS = 0x1p112f;

    /**
     * Half floats to floats as the weight kernels widen them: sign-extended and shifted left 13, sign, exponent and
     * mantissa masked, times 2^112 — exact for normal and subnormal values; an infinity or NaN (a key or value past
     * ±65504) comes out as a large finite number. The bits become floats through {@code viewAsFloatingLanes}, as in
     * the weight kernels: C2 inlines {@code reinterpretAsFloats} by a type profile that every caller shares, the
     * kernels' long broadcasts among them, and after long prompts 87% of its receivers were these int vectors.
     */
    private static FloatVector widen(ShortVector h) {
        return ((IntVector) h.convertShape(VectorOperators.S2I, WI, 0)).lanewise(VectorOperators.LSHL, 13).and(HALF_BITS)
                .viewAsFloatingLanes().mul(HALF_REBIAS);
    }

    /** {@link #widen(ShortVector)} for one value, for the tail of a run. */
    private static float widen(short h) {
        return Float.intBitsToFloat((h << 13) & HALF_BITS) * HALF_REBIAS;
    }

    private void runs(Object a, Object b, int from, float[] out) {
        int n = headDim * BLOCK;
        if (a instanceof short[] ha && b instanceof short[] hb) {
            // both streams in one loop (two loops taking 128 values in turns ran 5-20% slower than one stream)
            int i = 0;
            for (int end = n - n % H.length(); i < end; i += H.length()) {
                widen(ShortVector.fromArray(H, ha, from + i)).intoArray(out, i);
                widen(ShortVector.fromArray(H, hb, from + i)).intoArray(out, n + i);
            }
            for (; i < n; i++) {
                out[i] = widen(ha[from + i]);
                out[n + i] = widen(hb[from + i]);
            }
        } else {
            run(a, from, out);
            System.arraycopy(b, from, out, n, n);
        }
    }

    /** Element {@code i} (head i / headDim) of the key the slot holds at {@code pos} in layer {@code layer}. */
    float key(int slot, int layer, int pos, int i) {
        return element(keyBlocks[table[slot][pos / BLOCK]][layer], i * BLOCK + pos % BLOCK);
    }

    /** Element {@code i} of the value the slot holds at {@code pos} in layer {@code layer}. */
    float value(int slot, int layer, int pos, int i) {
        return element(valueBlocks[table[slot][pos / BLOCK]][layer], (i / headDim * BLOCK + pos % BLOCK) * headDim + i % headDim);
    }

    private static float element(Object block, int at) {
        return block instanceof short[] h ? widen(h[at]) : ((float[]) block)[at];
    }

    /**
     * Writes the key and value of position {@code pos} of layer {@code layer} into the slot's own block: per KV head,
     * keys transposed (element j at {@code (h·headDim + j)·BLOCK + p}), values by position ({@code (h·BLOCK + p)·headDim
     * + j}), so one head's attention reads one contiguous run per block. Half floats round to nearest even, as
     * llama.cpp's conversion does.
     */
    void store(int slot, int layer, int pos, float[] k, float[] v) {
        int id = writable(slot, pos / BLOCK);
        int p = pos % BLOCK;
        Object keys = keyBlocks[id][layer], values = valueBlocks[id][layer];
        if (keys instanceof short[] kh) {
            short[] vh = (short[]) values;
            for (int i = 0; i < kvDim; i++) kh[i * BLOCK + p] = Float.floatToFloat16(k[i]);
            for (int i = 0; i < kvDim; i++) vh[(i / headDim * BLOCK + p) * headDim + i % headDim] = Float.floatToFloat16(v[i]);
        } else {
            float[] kf = (float[]) keys;
            for (int i = 0; i < kvDim; i++) kf[i * BLOCK + p] = k[i];
            for (int h = 0; h < kvDim / headDim; h++) System.arraycopy(v, h * headDim, values, (h * BLOCK + p) * headDim, headDim);
        }
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
            keyBlocks[id] = new Object[layers];
            valueBlocks[id] = new Object[layers];
            for (int l = 0; l < layers; l++) {
                keyBlocks[id][l] = type == Type.F16 ? new short[BLOCK * kvDim] : new float[BLOCK * kvDim];
                valueBlocks[id][l] = type == Type.F16 ? new short[BLOCK * kvDim] : new float[BLOCK * kvDim];
            }
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
