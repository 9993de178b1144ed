package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Super-blocks of 256 (ggml's block_q4_K): half {@code d}, half {@code dmin}, 12 bytes of packed 6-bit scales and
 * mins for the eight 32-element groups, then 128 bytes of nibbles. Each 64 elements use 32 bytes: low nibbles for
 * the first group, high nibbles for the second. value = d·scale·q − dmin·min.
 */
public final class Q4_KTensor extends Tensor {
    static final int BLOCK = 256;
    static final int BYTES = 144;

    Q4_KTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    /** 6-bit scale ({@code min == false}) or min of group {@code j} from the 12 packed bytes at {@code sc}. */
    static int scaleMin(MemorySegment s, long sc, int j, boolean min) {
        if (j < 4) {
            return (s.get(I8, sc + j + (min ? 4 : 0)) & 0xff) & 63;
        }
        int b = s.get(I8, sc + j + 4) & 0xff;
        int hi = (s.get(I8, sc + j - (min ? 0 : 4)) & 0xff) >>> 6;
        return (min ? b >>> 4 : b & 0x0f) | (hi << 4);
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        float dmin = f16(data, at + 2);
        long sc = at + 4;
        long qs = at + 16;
        for (int g = 0; g < 4; g++) {
            float d1 = d * scaleMin(data, sc, 2 * g, false);
            float m1 = dmin * scaleMin(data, sc, 2 * g, true);
            float d2 = d * scaleMin(data, sc, 2 * g + 1, false);
            float m2 = dmin * scaleMin(data, sc, 2 * g + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = data.get(I8, qs + 32 * g + l) & 0xff;
                out[off + 64 * g + l] = d1 * (q & 0x0f) - m1;
                out[off + 64 * g + 32 + l] = d2 * (q >>> 4) - m2;
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
            long qs = at + 16;
            int xb = xOff + b * BLOCK;
            for (int g = 0; g < 4; g++) {
                FloatVector qxLo = FloatVector.zero(F);
                FloatVector qxHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F);
                FloatVector xHi = FloatVector.zero(F);
                int xg = xb + 64 * g;
                for (int l = 0; l < 32; l += B.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, qs + 32 * g + l, LE);
                    ByteVector lo = q.and((byte) 0x0f);
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f);
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
                acc = qxLo.fma(FloatVector.broadcast(F, d * scaleMin(data, sc, 2 * g, false)), acc);
                acc = xLo.fma(FloatVector.broadcast(F, -dmin * scaleMin(data, sc, 2 * g, true)), acc);
                acc = qxHi.fma(FloatVector.broadcast(F, d * scaleMin(data, sc, 2 * g + 1, false)), acc);
                acc = xHi.fma(FloatVector.broadcast(F, -dmin * scaleMin(data, sc, 2 * g + 1, true)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
