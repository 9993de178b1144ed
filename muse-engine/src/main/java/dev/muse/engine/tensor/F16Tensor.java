package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** IEEE half floats. */
public final class F16Tensor extends Tensor {
    private static final VectorSpecies<Short> S =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, F.length() * 16)));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    private static final boolean FAST = S.length() == F.length();
    /** 2^112: moves a half's exponent bias (15) to a float's (127); also right for subnormal halves. */
    private static final float REBIAS = Float.intBitsToFloat(0x77800000);

    F16Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
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
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(cols);
        for (; i < upper; i += F.length()) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, at + i * 2L, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            FloatVector abs = magnitude.reinterpretAsFloats().mul(REBIAS);
            FloatVector w = abs.reinterpretAsInts().or(sign).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += f16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }
}
