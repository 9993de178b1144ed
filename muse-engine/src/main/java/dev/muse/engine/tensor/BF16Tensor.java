package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** bfloat16: the upper half of a float. */
public final class BF16Tensor extends Tensor {
    private static final VectorSpecies<Short> S =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, F.length() * 16)));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    private static final boolean FAST = S.length() == F.length();

    BF16Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    static float bf16(MemorySegment s, long at) {
        return Float.intBitsToFloat((s.get(I16_LE, at) & 0xffff) << 16);
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        out[off] = bf16(data, at);
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        long at = (long) row * cols * 2;
        float sum = 0f;
        for (int i = 0; i < cols; i++) sum += bf16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }

    /** One vector: two rows per pass, as {@link F16Tensor#floatRows} reads them. */
    @Override
    void floatRows(float[] x, float[] out, Parallel parallel) {
        if (!FAST) {
            super.floatRows(x, out, parallel);
            return;
        }
        forRowPairs(parallel, (a, b) -> dotPair(a, b, x, out));
    }

    private void dotPair(int a, int b, float[] x, float[] out) {
        long at = (long) a * cols * 2, bt = (long) b * cols * 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        int l = F.length();
        int i = 0;
        for (int upper2 = cols - 2 * l + 1; i < upper2; i += 2 * l) {
            FloatVector x0 = FloatVector.fromArray(F, x, i), x1 = FloatVector.fromArray(F, x, i + l);
            a0 = widened(at + i * 2L).fma(x0, a0);
            a1 = widened(at + (i + l) * 2L).fma(x1, a1);
            b0 = widened(bt + i * 2L).fma(x0, b0);
            b1 = widened(bt + (i + l) * 2L).fma(x1, b1);
        }
        float sa = a0.add(a1).reduceLanes(VectorOperators.ADD), sb = b0.add(b1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sa += bf16(data, at + i * 2L) * x[i];
            sb += bf16(data, bt + i * 2L) * x[i];
        }
        out[a] = sa;
        out[b] = sb;
    }

    private FloatVector widened(long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, at, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
            FloatVector w = h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += bf16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }
}
