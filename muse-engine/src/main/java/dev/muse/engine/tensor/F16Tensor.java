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

    /** Vector unpacking for the prompt kernel (finite halves: what model weights are). */
    @Override
    void unpackRow(int row, float[] out) {
        if (!FAST) {
            super.unpackRow(row, out);
            return;
        }
        long at = (long) row * cols * 2;
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, at + i * 2L, LE).convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 13).and(0x0fffe000).reinterpretAsFloats().mul(HALF_REBIAS)
                    .reinterpretAsInts().or(h.and(0x80000000)).reinterpretAsFloats().intoArray(out, i);
        }
        for (; i < cols; i++) out[i] = f16(data, at + i * 2L);
    }

    /**
     * One vector: each thread takes two rows per pass ({@link #forRowPairs}), so every load of {@code x} (4 bytes
     * against a 2-byte weight) serves two rows while both weight streams stay sequential (adjacent rows, two strided
     * streams, were slower; Q8_0's groups, whose activations come 8 bytes per 32 weights, gained nothing).
     * Against {@code x·2^112} a half's bits shifted into a float's place are its value times 2^-112, so widening is a
     * shift and a mask, and every product is exactly {@link #dot}'s; inputs at or above 2^16 (the scaled copy would
     * overflow) take {@link #dot}. One core, a pass over the 1B F16's matrices: 144 → 105 ms.
     */
    @Override
    void floatRows(float[] x, float[] out, Parallel parallel) {
        float[] scaled = FAST ? scaledInput(x) : null;
        if (scaled == null) {
            super.floatRows(x, out, parallel);
            return;
        }
        forRowPairs(parallel, (a, b) -> dotPair(a, b, scaled, out));
    }

    private static final ThreadLocal<float[][]> SCALED = new ThreadLocal<>();

    /** {@code x·2^112} in this thread's buffer, or null when some |x| ≥ 2^16 (or NaN) would not scale exactly. */
    private float[] scaledInput(float[] x) {
        float[] scaled = scratchRows(SCALED, 1, cols)[0];
        FloatVector max = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            max = max.max(v.abs()); // NaN propagates
            v.mul(HALF_REBIAS).intoArray(scaled, i);
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < cols; i++) {
            m = Math.max(m, Math.abs(x[i]));
            scaled[i] = x[i] * HALF_REBIAS;
        }
        return m < 0x1p16f ? scaled : null;
    }

    /** {@code out[a]} and {@code out[b]} against the scaled input (a == b for a chunk's odd last row). */
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
            sa += Float.intBitsToFloat((data.get(I16_LE, at + i * 2L) << 13) & 0x8fffe000) * x[i];
            sb += Float.intBitsToFloat((data.get(I16_LE, bt + i * 2L) << 13) & 0x8fffe000) * x[i];
        }
        out[a] = sa;
        out[b] = sb;
    }

    /**
     * The halves at {@code at} as floats times 2^-112: sign-extended, a half's sign fills bits 15-31, so after the
     * shift bit 31 holds it and the mask keeps it with exponent and mantissa. Exact for every finite half.
     */
    private FloatVector widened(long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, at, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats();
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
            FloatVector w0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x0fffe000).reinterpretAsFloats().mul(HALF_REBIAS)
                    .reinterpretAsInts().or(h0.and(0x80000000)).reinterpretAsFloats();
            FloatVector w1 = h1.lanewise(VectorOperators.LSHL, 13).and(0x0fffe000).reinterpretAsFloats().mul(HALF_REBIAS)
                    .reinterpretAsInts().or(h1.and(0x80000000)).reinterpretAsFloats();
            acc0 = w0.fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = w1.fma(FloatVector.fromArray(F, x, xOff + i + l), acc1);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += f16(data, at + i * 2L) * x[xOff + i];
        return sum;
    }
}
