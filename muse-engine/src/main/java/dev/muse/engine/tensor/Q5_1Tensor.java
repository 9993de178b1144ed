package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Blocks of 32: half {@code d}, half {@code m}, 32 fifth bits {@code qh}, 16 bytes of nibbles; value = d·q + m.
 * llama.cpp's fallback for Q5_K rows that are not whole 256-blocks. Products go through {@link MinBlockTensor}'s
 * Q8_0 copy.
 */
public final class Q5_1Tensor extends MinBlockTensor {
    Q5_1Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        float m = f16(data, at + 2);
        int qh = data.get(I32_LE, at + 4);
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 8 + j) & 0xff;
            out[off + j] = d * ((q & 0x0f) | (((qh >>> j) & 1) << 4)) + m;
            out[off + j + 16] = d * ((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) + m;
        }
    }

    @Override
    void blockQuants(long at, byte[] out, int off) {
        int qh = data.get(I32_LE, at + 4);
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 8 + j) & 0xff;
            out[off + j] = (byte) ((q & 0x0f) | (((qh >>> j) & 1) << 4));
            out[off + j + 16] = (byte) ((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4));
        }
    }
}
