package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Super-blocks of 256 (ggml's block_q6_K): 128 bytes of low nibbles {@code ql}, 64 bytes of 2-bit highs
 * {@code qh}, 16 signed 8-bit scales (one per 16 elements), then half {@code d}. value = d·scale·(q − 32).
 */
public final class Q6_KTensor extends Tensor {
    static final int BLOCK = 256;
    static final int BYTES = 210;

    Q6_KTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at + 208);
        for (int n = 0; n < 2; n++) {
            long ql = at + 64 * n;
            long qh = at + 128 + 32 * n;
            long sc = at + 192 + 8 * n;
            int y = off + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int a = data.get(I8, ql + l) & 0xff;
                int c = data.get(I8, ql + l + 32) & 0xff;
                int h = data.get(I8, qh + l) & 0xff;
                int q1 = ((a & 0x0f) | ((h & 3) << 4)) - 32;
                int q2 = ((c & 0x0f) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((c >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                out[y + l] = d * data.get(I8, sc + is) * q1;
                out[y + l + 32] = d * data.get(I8, sc + is + 2) * q2;
                out[y + l + 64] = d * data.get(I8, sc + is + 4) * q3;
                out[y + l + 96] = d * data.get(I8, sc + is + 6) * q4;
            }
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!VECTOR_OK) return dotScalar(row, x, xOff);
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at + 208);
            for (int n = 0; n < 2; n++) {
                long ql = at + 64 * n;
                long qh = at + 128 + 32 * n;
                long sc = at + 192 + 8 * n;
                int xn = xOff + b * BLOCK + 128 * n;
                for (int l = 0; l < 32; l += B.length()) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(B, data, ql + l, LE);
                    ByteVector c = ByteVector.fromMemorySegment(B, data, ql + l + 32, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, data, qh + l, LE);
                    ByteVector q1 = a.and((byte) 0x0f).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q2 = c.and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q4 = c.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 6).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    float s1 = d * data.get(I8, sc + is);
                    float s2 = d * data.get(I8, sc + is + 2);
                    float s3 = d * data.get(I8, sc + is + 4);
                    float s4 = d * data.get(I8, sc + is + 6);
                    for (int p = 0; p < PARTS; p++) {
                        int o = xn + l + p * F.length();
                        acc = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o)).fma(FloatVector.broadcast(F, s1), acc);
                        acc = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o + 32)).fma(FloatVector.broadcast(F, s2), acc);
                        acc = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o + 64)).fma(FloatVector.broadcast(F, s3), acc);
                        acc = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o + 96)).fma(FloatVector.broadcast(F, s4), acc);
                    }
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
