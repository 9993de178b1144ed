package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
