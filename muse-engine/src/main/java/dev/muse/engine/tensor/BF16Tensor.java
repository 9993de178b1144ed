package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16: the upper half of a float (decoded as {@link HalfFloatTensor} does, shifted by 16, inputs as they are). */
public final class BF16Tensor extends HalfFloatTensor {
    BF16Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data, 16, -1, 1f, Float.POSITIVE_INFINITY);
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
            FloatVector w = h.lanewise(VectorOperators.LSHL, 16).viewAsFloatingLanes();
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += bf16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }
}
