package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Blocks of 32: half {@code d}, half {@code m}, 16 bytes of nibbles (low nibbles first); value = d·q + m. Products go
 * through {@link MinBlockTensor}'s Q8_0 copy.
 */
public final class Q4_1Tensor extends MinBlockTensor {
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
    void blockQuants(long at, byte[] out, int off) {
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 4 + j) & 0xff;
            out[off + j] = (byte) (q & 0x0f);
            out[off + j + 16] = (byte) (q >>> 4);
        }
    }
}
