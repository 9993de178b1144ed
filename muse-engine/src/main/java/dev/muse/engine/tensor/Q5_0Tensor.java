package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Blocks of 32: half {@code d}, 32 fifth bits {@code qh} (little-endian uint32), 16 bytes of nibbles; value = d·(q − 16).
 * llama.cpp's fallback for Q4_K rows that are not whole 256-blocks (most of Qwen2.5-0.5B's matrices in its Q4_K_M
 * files). Since q − 16 fits a signed byte, a block is exactly a Q8_0 block with the same {@code d}: products go
 * through {@link Q8CopyTensor}'s Q8_0 copy.
 */
public final class Q5_0Tensor extends Q8CopyTensor {
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
    void blockQuants(long at, byte[] out, int off) {
        int qh = data.get(I32_LE, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 6 + j) & 0xff;
            out[off + j] = (byte) (((q & 0x0f) | (((qh >>> j) & 1) << 4)) - 16);
            out[off + j + 16] = (byte) (((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16);
        }
    }
}
