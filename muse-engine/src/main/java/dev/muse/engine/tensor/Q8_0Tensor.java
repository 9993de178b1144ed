package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Blocks of 32: a half-float scale {@code d}, then 32 signed bytes; value = d·q. */
public final class Q8_0Tensor extends Tensor {
    static final int BLOCK = 32;
    static final int BYTES = 34;

    Q8_0Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        for (int j = 0; j < BLOCK; j++) out[off + j] = d * data.get(I8, at + 2 + j);
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
            for (int j = 0; j < BLOCK; j += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, at + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
                    blockAcc = qf.fma(FloatVector.fromArray(F, x, xi + j + p * F.length()), blockAcc);
                }
            }
            acc = blockAcc.fma(FloatVector.broadcast(F, f16(data, at)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
