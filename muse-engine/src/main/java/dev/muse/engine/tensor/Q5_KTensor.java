package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Super-blocks of 256 (ggml's block_q5_K): half {@code d}, half {@code dmin}, 12 bytes of scales/mins packed as in
 * Q4_K, 32 bytes of fifth bits ({@code qh}), 128 bytes of nibbles. Group 2k takes bit 2k of {@code qh[l]}, group
 * 2k+1 bit 2k+1. value = d·scale·q − dmin·min with q in 0..31.
 */
public final class Q5_KTensor extends Tensor {
    static final int BLOCK = 256;
    static final int BYTES = 176;

    Q5_KTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        float dmin = f16(data, at + 2);
        long sc = at + 4;
        long qh = at + 16;
        long qs = at + 48;
        for (int g = 0; g < 4; g++) {
            float d1 = d * Q4_KTensor.scaleMin(data, sc, 2 * g, false);
            float m1 = dmin * Q4_KTensor.scaleMin(data, sc, 2 * g, true);
            float d2 = d * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, false);
            float m2 = dmin * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = data.get(I8, qs + 32 * g + l) & 0xff;
                int h = data.get(I8, qh + l) & 0xff;
                out[off + 64 * g + l] = d1 * ((q & 0x0f) | (((h >>> (2 * g)) & 1) << 4)) - m1;
                out[off + 64 * g + 32 + l] = d2 * ((q >>> 4) | (((h >>> (2 * g + 1)) & 1) << 4)) - m2;
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
            float d = f16(data, at);
            float dmin = f16(data, at + 2);
            long sc = at + 4;
            long qhAt = at + 16;
            long qs = at + 48;
            int xb = xOff + b * BLOCK;
            for (int g = 0; g < 4; g++) {
                FloatVector qxLo = FloatVector.zero(F);
                FloatVector qxHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F);
                FloatVector xHi = FloatVector.zero(F);
                int xg = xb + 64 * g;
                for (int l = 0; l < 32; l += B.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, qs + 32 * g + l, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, data, qhAt + l, LE);
                    ByteVector lo = q.and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2 * g + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    for (int p = 0; p < PARTS; p++) {
                        int o = l + p * F.length();
                        FloatVector xl = FloatVector.fromArray(F, x, xg + o);
                        FloatVector xh = FloatVector.fromArray(F, x, xg + 32 + o);
                        qxLo = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(xl, qxLo);
                        qxHi = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(xh, qxHi);
                        xLo = xLo.add(xl);
                        xHi = xHi.add(xh);
                    }
                }
                acc = qxLo.fma(FloatVector.broadcast(F, d * Q4_KTensor.scaleMin(data, sc, 2 * g, false)), acc);
                acc = xLo.fma(FloatVector.broadcast(F, -dmin * Q4_KTensor.scaleMin(data, sc, 2 * g, true)), acc);
                acc = qxHi.fma(FloatVector.broadcast(F, d * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, false)), acc);
                acc = xHi.fma(FloatVector.broadcast(F, -dmin * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, true)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
