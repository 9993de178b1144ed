package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Blocks of 32: half {@code d}, 32 fifth bits {@code qh} (little-endian uint32), 16 bytes of nibbles; value = d·(q − 16).
 * llama.cpp's fallback for Q4_K rows that are not whole 256-blocks (most of Qwen2.5-0.5B's matrices in its Q4_K_M
 * files). Since q − 16 fits a signed byte, a block is exactly a Q8_0 block with the same {@code d}: products go
 * through a Q8_0 copy of the matrix ({@link #asQ8_0}, built on first use) and Q8_0's kernels.
 */
public final class Q5_0Tensor extends Tensor {
    Q5_0Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        int qh = data.get(I32_LE, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 6 + j) & 0xff;
            out[off + j] = d * (((q & 0x0f) | (((qh >>> j) & 1) << 4)) - 16);
            out[off + j + 16] = d * (((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16);
        }
    }

    private volatile Q8_0Tensor q8;

    /**
     * This matrix as Q8_0 on the heap (34 bytes per block against 22): the same {@code d}, each value's {@code q − 16}
     * as a byte. Converted once, on the first product; the Q8_0 row groups are built from it in turn.
     */
    Q8_0Tensor asQ8_0() {
        Q8_0Tensor t = q8;
        if (t == null) {
            synchronized (this) {
                t = q8;
                if (t == null) {
                    long blocks = (long) rows * cols / 32;
                    if (blocks * 34 > Integer.MAX_VALUE - 64) throw new IllegalStateException(name + " is too large to convert to Q8_0 in one array");
                    byte[] bytes = new byte[(int) (blocks * 34)];
                    for (long b = 0; b < blocks; b++) {
                        long at = b * 22;
                        int o = (int) (b * 34);
                        bytes[o] = data.get(I8, at);
                        bytes[o + 1] = data.get(I8, at + 1);
                        int qh = data.get(I32_LE, at + 2);
                        for (int j = 0; j < 16; j++) {
                            int q = data.get(I8, at + 6 + j) & 0xff;
                            bytes[o + 2 + j] = (byte) (((q & 0x0f) | (((qh >>> j) & 1) << 4)) - 16);
                            bytes[o + 18 + j] = (byte) (((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16);
                        }
                    }
                    t = new Q8_0Tensor(name, shape(), MemorySegment.ofArray(bytes));
                    q8 = t;
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
    void groupDot(RowGroups gs, int g, Q8Activations x, float[] out, float[] lanes) {
        asQ8_0().groupDot(gs, g, x, out, lanes);
    }

    @Override
    int groupedBatchLimit() {
        return asQ8_0().groupedBatchLimit();
    }

    @Override
    void groupDot4(RowGroups gs, int g, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        asQ8_0().groupDot4(gs, g, xs, i, outs, lanes);
    }

    /** Prompts unpack the Q8_0 copy's rows (the same values, with Q8_0's vector unpacking). */
    @Override
    void unpackRow(int row, float[] out) {
        asQ8_0().unpackRow(row, out);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        return dotViaBlocks(row, x, xOff);
    }
}
