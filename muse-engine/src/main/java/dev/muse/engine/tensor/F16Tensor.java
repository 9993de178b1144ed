package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IEEE half floats. Decoding (see {@link HalfFloatTensor}) takes the inputs times 2^112: a half's bits shifted into a
 * float's place (<< 13, sign kept by the mask) are its value times 2^-112, normal or subnormal; inputs of 2^16 or more
 * would overflow the scaled copy and take {@link #dot}.
 */
public final class F16Tensor extends HalfFloatTensor {
    F16Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data, 13, HALF_BITS, HALF_REBIAS, 0x1p16f);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        out[off] = f16(data, at);
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        long at = (long) row * cols * 2;
        float sum = 0f;
        for (int i = 0; i < cols; i++) sum += f16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!FAST) return dotScalar(row, x, xOff);
        long at = (long) row * cols * 2;
        // two independent accumulators; sign-extending the half to an int puts its sign in bit 31 already
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int l = F.length();
        int i = 0;
        for (int upper2 = cols - 2 * l + 1; i < upper2; i += 2 * l) {
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, data, at + i * 2L, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S, data, at + (i + l) * 2L, LE).convertShape(VectorOperators.S2I, I, 0);
            FloatVector w0 = h0.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector w1 = h1.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc0 = w0.fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = w1.fma(FloatVector.fromArray(F, x, xOff + i + l), acc1);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += f16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }
}
