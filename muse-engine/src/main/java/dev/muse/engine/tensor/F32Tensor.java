package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** 32-bit floats. */
public final class F32Tensor extends Tensor {
    F32Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        out[off] = data.get(F32_LE, at);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        MemorySegment.copy(data, F32_LE, (long) row * cols * 4, out, off, cols);
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        long at = (long) row * cols * 4;
        float sum = 0f;
        for (int i = 0; i < cols; i++) sum += data.get(F32_LE, at + i * 4L) * x[xOff + i];
        return sum;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long at = (long) row * cols * 4;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(cols);
        for (; i < upper; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, data, at + i * 4L, LE);
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += data.get(F32_LE, at + i * 4L) * x[xOff + i];
        return sum;
    }
}
