package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Blocks of 32 whose value is {@code d·q + m} (Q4_1, Q5_1: half {@code d}, half {@code m}, then the quants). A row
 * times {@code x} is Σ over blocks of {@code d·Σ q·x} plus {@code m·Σ x}: the first term goes through a Q8_0 copy of
 * {@code d·q} (q fits a signed byte) and Q8_0's kernels, the second through each block's {@code m} times the
 * activations' block sum. llama-quantize writes these types where K-quant rows are not whole 256-blocks (Q5_1 for
 * Q5_K, e.g. most of Qwen2.5-0.5B's matrices in its Q5_K_M files).
 */
abstract sealed class MinBlockTensor extends Tensor permits Q4_1Tensor, Q5_1Tensor {
    MinBlockTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    /** The 32 quants (0..31) of the block at {@code at} into {@code out[off..off+31]}. */
    abstract void blockQuants(long at, byte[] out, int off);

    private volatile Q8_0Tensor q8;
    /** Each block's {@code m}, for each group of 8 rows block by block, the 8 rows' side by side (see {@link #addMinTerms}). */
    private float[] mins;

    /** The Q8_0 copy of {@code d·q} (34 bytes per block) and the mins, converted once on the first product. */
    final Q8_0Tensor asQ8_0() {
        Q8_0Tensor t = q8;
        if (t == null) {
            synchronized (this) {
                t = q8;
                if (t == null) {
                    long blocks = (long) rows * cols / 32;
                    if (blocks * 34 > Integer.MAX_VALUE - 64) throw new IllegalStateException(name + " is too large to convert to Q8_0 in one array");
                    long blockBytes = type().blockBytes();
                    byte[] bytes = new byte[(int) (blocks * 34)];
                    int perRow = cols / 32;
                    float[] m = new float[(rows + GROUP - 1) / GROUP * GROUP * perRow];
                    for (long b = 0; b < blocks; b++) {
                        long at = b * blockBytes;
                        int o = (int) (b * 34);
                        bytes[o] = data.get(I8, at);
                        bytes[o + 1] = data.get(I8, at + 1);
                        blockQuants(at, bytes, o + 2);
                        int r = (int) (b / perRow), k = (int) (b % perRow);
                        m[((r / GROUP) * perRow + k) * GROUP + r % GROUP] = f16(data, at + 2);
                    }
                    mins = m;
                    t = new Q8_0Tensor(name, shape(), MemorySegment.ofArray(bytes));
                    q8 = t;
                }
            }
        }
        return t;
    }

    /** Σ over row {@code row}'s blocks of {@code m} times the activations' block sum (the row kernels' path). */
    private float minTerm(int row, Q8Activations x) {
        int blocks = cols / 32, base = (row / GROUP) * blocks * GROUP + row % GROUP;
        float s = 0f;
        for (int b = 0; b < blocks; b++) s += mins[base + GROUP * b] * x.ds[b];
        return s;
    }

    /**
     * The same for rows {@code 8g..8g+7} at once, added to {@code out}: the group's mins lie block by block with its
     * 8 rows side by side, one vector per block (scalar per row this took as long as the products themselves).
     */
    private void addMinTerms(int g, Q8Activations x, float[] out) {
        int blocks = cols / 32, base = g * blocks * GROUP;
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < blocks; b++) acc = FloatVector.fromArray(F8, mins, base + GROUP * b).fma(FloatVector.broadcast(F8, x.ds[b]), acc);
        FloatVector.fromArray(F8, out, g * GROUP).add(acc).intoArray(out, g * GROUP);
    }

    @Override
    boolean integerDot() {
        return true;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        asQ8_0().dotQ8(row, xs, n, outs);
        for (int i = 0; i < n; i++) outs[i][row] += minTerm(row, xs[i]);
    }

    @Override
    int groupQuantBytes() {
        return asQ8_0().groupQuantBytes();
    }

    @Override
    int groupScales() {
        return asQ8_0().groupScales();
    }

    @Override
    void packGroup(RowGroups out, int g) {
        asQ8_0().packGroup(out, g);
    }

    @Override
    void prepareGroupActivations(Q8Activations x) {
        asQ8_0().prepareGroupActivations(x);
    }

    @Override
    void groupDot(RowGroups gs, int g, Q8Activations x, float[] out, float[] lanes) {
        asQ8_0().groupDot(gs, g, x, out, lanes);
        addMinTerms(g, x, out);
    }

    @Override
    int groupedBatchLimit() {
        return asQ8_0().groupedBatchLimit();
    }

    @Override
    void groupDot4(RowGroups gs, int g, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        asQ8_0().groupDot4(gs, g, xs, i, outs, lanes);
        for (int v = i; v < i + 4; v++) addMinTerms(g, xs[v], outs[v]);
    }

    /** Prompts unpack the copy's {@code d·q} and add {@code m}: the same two roundings as {@link #dequantizeBlock}. */
    @Override
    void unpackRow(int row, float[] out) {
        asQ8_0().unpackRow(row, out);
        int blocks = cols / 32;
        int base = (row / GROUP) * blocks * GROUP + row % GROUP;
        for (int b = 0; b < blocks; b++) {
            float m = mins[base + GROUP * b];
            for (int j = 32 * b; j < 32 * b + 32; j++) out[j] += m;
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        return dotViaBlocks(row, x, xOff);
    }
}
