package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Blocks of 32: half {@code d}, 32 fifth bits {@code qh} (little-endian uint32), 16 bytes of nibbles; value = d·(q − 16). llama.cpp's fallback for Q4_K rows that are not whole 256-blocks.
 * The fast path unpacks each block with the scalar code into a per-thread buffer and multiplies with the Vector
 * API; a fused kernel is future work (these types only appear as fallbacks in K-quant files).
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

    @Override
    public float dot(int row, float[] x, int xOff) {
        return dotViaBlocks(row, x, xOff);
    }
}
