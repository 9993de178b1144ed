package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * Blocks of 32 with a half-float {@code d} first whose integer parts fit a signed byte (Q5_0's q − 16; Q4_1's and
 * Q5_1's q, see {@link MinBlockTensor}): products convert the matrix once to a Q8_0 copy on the heap (34 bytes per
 * block) and use Q8_0's row groups and kernels, prompts its vector unpacking. llama-quantize writes these types
 * where K-quant rows are not whole 256-blocks, as in most of Qwen2.5-0.5B's matrices.
 */
abstract sealed class Q8CopyTensor extends Tensor permits Q5_0Tensor, MinBlockTensor {
    Q8CopyTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    /** The 32 integer parts of the block at {@code at} into {@code out[off..off+31]}. */
    abstract void blockQuants(long at, byte[] out, int off);

    /** Called for every block while converting, in order ({@code b} counts blocks row by row). */
    void convertBlock(long b, long at) {
    }

    private volatile Q8_0Tensor q8;

    /** The Q8_0 copy: the same {@code d}, the integer parts as bytes. Built once, on the first product. */
    final Q8_0Tensor asQ8_0() {
        Q8_0Tensor t = q8;
        if (t == null) {
            synchronized (this) {
                t = q8;
                if (t == null) {
                    long blocks = (long) rows * cols / 32, blockBytes = type().blockBytes();
                    if (blocks * 34 > Integer.MAX_VALUE - 64) throw new IllegalStateException(name + " is too large to convert to Q8_0 in one array");
                    byte[] bytes = new byte[(int) (blocks * 34)];
                    for (long b = 0; b < blocks; b++) {
                        long at = b * blockBytes;
                        int o = (int) (b * 34);
                        bytes[o] = data.get(I8, at);
                        bytes[o + 1] = data.get(I8, at + 1);
                        blockQuants(at, bytes, o + 2);
                        convertBlock(b, at);
                    }
                    t = new Q8_0Tensor(name, shape(), MemorySegment.ofArray(bytes));
                    q8 = t; // published after everything convertBlock kept
                }
            }
        }
        return t;
    }

    @Override
    boolean integerDot() {
        return true;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        asQ8_0().dotQ8(row, xs, n, outs);
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
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        asQ8_0().groupDot(gs, g, m0, m1, x, out, lanes);
    }

    @Override
    int groupedBatchLimit() {
        return asQ8_0().groupedBatchLimit();
    }

    @Override
    void groupDot4(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        asQ8_0().groupDot4(gs, g, m0, m1, xs, i, outs, lanes);
    }

    @Override
    int batchWidth() {
        return asQ8_0().batchWidth();
    }

    @Override
    Function<Q8Activations, Q8Activations.Paired> batchForm() {
        return asQ8_0().batchForm();
    }

    @Override
    void groupDot8(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        asQ8_0().groupDot8(gs, g, m0, m1, xs, i, outs, lanes);
    }

    @Override
    void unpackRow(int row, float[] out) {
        asQ8_0().unpackRow(row, out);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        return dotViaBlocks(row, x, xOff);
    }
}
