package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Blocks of 32: half {@code d}, half {@code m}, 16 bytes of nibbles (low nibbles first); value = d·q + m.
 * The fast path unpacks each block with the scalar code into a per-thread buffer and multiplies with the Vector
 * API; a fused kernel is future work (these types only appear as fallbacks in K-quant files).
 */
public final class Q4_1Tensor extends Tensor {
    Q4_1Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        float m = f16(data, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 4 + j) & 0xff;
            out[off + j] = d * (q & 0x0f) + m;
            out[off + j + 16] = d * (q >>> 4) + m;
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        return dotViaBlocks(row, x, xOff);
    }
}
