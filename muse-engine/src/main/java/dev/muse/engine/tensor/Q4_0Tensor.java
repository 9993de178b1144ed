package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Blocks of 32: a half-float scale {@code d}, then 16 bytes of nibbles. Element j (j &lt; 16) is the low nibble of
 * byte j and element j+16 its high nibble; value = d·(nibble − 8).
 */
public final class Q4_0Tensor extends Tensor {
    static final int BLOCK = 32;
    static final int BYTES = 18;

    Q4_0Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        for (int j = 0; j < 16; j++) {
            int q = data.get(I8, at + 2 + j) & 0xff;
            out[off + j] = d * ((q & 0x0f) - 8);
            out[off + j + 16] = d * ((q >>> 4) - 8);
        }
    }

    @Override
    boolean integerDot() {
        return true;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs[i], xs[i + 1], xs[i + 2], xs[i + 3], outs, i);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    private float dot1(int row, Q8Activations x) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < blocks; b++, at += BYTES) {
            int xi = b * BLOCK;
            ByteVector q = ByteVector.fromMemorySegment(B16, data, at + 2, LE);
            ShortVector lo = (ShortVector) (q.and((byte) 0x0f).sub((byte) 8)).convertShape(VectorOperators.B2S, S, 0);
            ShortVector hi = (ShortVector) (q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8)).convertShape(VectorOperators.B2S, S, 0);
            float dw = f16(data, at);
            IntVector p_acc = (lo.mul(ShortVector.fromArray(S, x.q, xi)).add(hi.mul(ShortVector.fromArray(S, x.q, xi + 16)))).reinterpretAsInts();
            acc = ((FloatVector) p_acc.lanewise(VectorOperators.ASHR, 16).add(p_acc.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, dw * x.d[b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Four vectors per weight load; each vector's arithmetic is exactly {@link #dot1}'s. */
    private void dot4(int row, Q8Activations x0, Q8Activations x1, Q8Activations x2, Q8Activations x3, float[][] outs, int o) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            int xi = b * BLOCK;
            ByteVector q = ByteVector.fromMemorySegment(B16, data, at + 2, LE);
            ShortVector lo = (ShortVector) (q.and((byte) 0x0f).sub((byte) 8)).convertShape(VectorOperators.B2S, S, 0);
            ShortVector hi = (ShortVector) (q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8)).convertShape(VectorOperators.B2S, S, 0);
            float dw = f16(data, at);
            IntVector p_a0 = (lo.mul(ShortVector.fromArray(S, x0.q, xi)).add(hi.mul(ShortVector.fromArray(S, x0.q, xi + 16)))).reinterpretAsInts();
            a0 = ((FloatVector) p_a0.lanewise(VectorOperators.ASHR, 16).add(p_a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, dw * x0.d[b]), a0);
            IntVector p_a1 = (lo.mul(ShortVector.fromArray(S, x1.q, xi)).add(hi.mul(ShortVector.fromArray(S, x1.q, xi + 16)))).reinterpretAsInts();
            a1 = ((FloatVector) p_a1.lanewise(VectorOperators.ASHR, 16).add(p_a1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, dw * x1.d[b]), a1);
            IntVector p_a2 = (lo.mul(ShortVector.fromArray(S, x2.q, xi)).add(hi.mul(ShortVector.fromArray(S, x2.q, xi + 16)))).reinterpretAsInts();
            a2 = ((FloatVector) p_a2.lanewise(VectorOperators.ASHR, 16).add(p_a2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, dw * x2.d[b]), a2);
            IntVector p_a3 = (lo.mul(ShortVector.fromArray(S, x3.q, xi)).add(hi.mul(ShortVector.fromArray(S, x3.q, xi + 16)))).reinterpretAsInts();
            a3 = ((FloatVector) p_a3.lanewise(VectorOperators.ASHR, 16).add(p_a3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, dw * x3.d[b]), a3);
        }
        outs[o][row] = a0.reduceLanes(VectorOperators.ADD);
        outs[o + 1][row] = a1.reduceLanes(VectorOperators.ADD);
        outs[o + 2][row] = a2.reduceLanes(VectorOperators.ADD);
        outs[o + 3][row] = a3.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!VECTOR_OK) return dotScalar(row, x, xOff);
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, at += BYTES) {
            FloatVector blockAcc = FloatVector.zero(F);
            int xi = xOff + b * BLOCK;
            for (int j = 0; j < 16; j += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, at + 2 + j, LE);
                ByteVector lo = q.and((byte) 0x0f).sub((byte) 8);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8);
                for (int p = 0; p < PARTS; p++) {
                    int o = j + p * F.length();
                    FloatVector lf = (FloatVector) lo.convertShape(VectorOperators.B2F, F, p);
                    FloatVector hf = (FloatVector) hi.convertShape(VectorOperators.B2F, F, p);
                    blockAcc = lf.fma(FloatVector.fromArray(F, x, xi + o), blockAcc);
                    blockAcc = hf.fma(FloatVector.fromArray(F, x, xi + 16 + o), blockAcc);
                }
            }
            acc = blockAcc.fma(FloatVector.broadcast(F, f16(data, at)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
