package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Blocks of 32 whose value is {@code d·q + m} (Q4_1, Q5_1: half {@code d}, half {@code m}, then the quants). A row
 * times {@code x} is Σ over blocks of {@code d·Σ q·x} plus {@code m·Σ x}: the first term goes through
 * {@link Q8CopyTensor}'s Q8_0 copy of {@code d·q}, the second through each block's {@code m} times the activations'
 * block sum. llama-quantize writes Q5_1 where Q5_K rows are not whole 256-blocks (Qwen2.5-0.5B's Q5_K_M files).
 */
abstract sealed class MinBlockTensor extends Q8CopyTensor permits Q4_1Tensor, Q5_1Tensor {
    MinBlockTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    /** Each block's {@code m}, for each group of 8 rows block by block, the 8 rows' side by side (see {@link #addMinTerms}). */
    private float[] mins;

    @Override
    void convertBlock(long b, long at) {
        int perRow = cols / 32;
        if (mins == null) mins = new float[(rows + GROUP - 1) / GROUP * GROUP * perRow];
        int r = (int) (b / perRow), k = (int) (b % perRow);
        mins[((r / GROUP) * perRow + k) * GROUP + r % GROUP] = f16(data, at + 2);
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
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        super.dotQ8(row, xs, n, outs);
        for (int i = 0; i < n; i++) outs[i][row] += minTerm(row, xs[i]);
    }

    @Override
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        super.groupDot(gs, g, m0, m1, x, out, lanes);
        if (m0 == 0) addMinTerms(g, x, out); // all blocks' at once, with the first slab
    }

    @Override
    void groupDot4(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        super.groupDot4(gs, g, m0, m1, xs, i, outs, lanes);
        if (m0 == 0) for (int v = i; v < i + 4; v++) addMinTerms(g, xs[v], outs[v]);
    }

    @Override
    void groupDot8(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        super.groupDot8(gs, g, m0, m1, xs, i, outs, lanes);
        if (m0 == 0) for (int v = i; v < i + 8; v++) addMinTerms(g, xs[v], outs[v]);
    }

    /** Prompts unpack the copy's {@code d·q} and add {@code m}: the same two roundings as {@link #dequantizeBlock}. */
    @Override
    void unpackRow(int row, float[] out) {
        super.unpackRow(row, out);
        int blocks = cols / 32;
        int base = (row / GROUP) * blocks * GROUP + row % GROUP;
        for (int b = 0; b < blocks; b++) {
            float m = mins[base + GROUP * b];
            for (int j = 32 * b; j < 32 * b + 32; j++) out[j] += m;
        }
    }
}
