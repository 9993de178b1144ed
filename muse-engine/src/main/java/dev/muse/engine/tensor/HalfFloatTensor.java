package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16-bit floats, whose bits shifted into a float's place and masked are the value times a power of two (F16: 2^-112,
 * BF16: 1): decoding multiplies the weights' bits against inputs scaled by the inverse power, so widening a weight
 * costs a shift and a mask, and every product is exactly the row dot's.
 */
abstract sealed class HalfFloatTensor extends Tensor permits F16Tensor, BF16Tensor {
    static final VectorSpecies<Short> S =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, F.length() * 16)));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    static final boolean FAST = S.length() == F.length();

    private final int shift, mask;
    private final float inputScale, inputLimit;

    /** Inputs are scaled by {@code inputScale} when below {@code inputLimit} (so the copy cannot overflow). */
    HalfFloatTensor(String name, long[] shape, MemorySegment data, int shift, int mask, float inputScale, float inputLimit) {
        super(name, shape, data);
        this.shift = shift;
        this.mask = mask;
        this.inputScale = inputScale;
        this.inputLimit = inputLimit;
    }

    /** Vector unpacking for the prompt kernel: the widened bits times the input scale are the values, exactly. */
    @Override
    void unpackRow(int row, float[] out) {
        if (!FAST) {
            super.unpackRow(row, out);
            return;
        }
        long at = (long) row * cols * 2;
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) widened(at + i * 2L).mul(inputScale).intoArray(out, i);
        for (; i < cols; i++) out[i] = Float.intBitsToFloat((data.get(I16_LE, at + i * 2L) << shift) & mask) * inputScale;
    }

    /**
     * One vector: each thread takes two rows per pass ({@link #forRowPairs}), so every load of {@code x} (4 bytes
     * against a 2-byte weight) serves two rows while both weight streams stay sequential (adjacent rows, two strided
     * streams, were slower; Q8_0's groups, whose activations come 8 bytes per 32 weights, gained nothing). Inputs
     * that would not scale exactly take {@link #dot}. One core, a pass over a 1B model's matrices: F16 144 → 105 ms,
     * BF16 126-130 → 101-110 ms.
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

    private static final ThreadLocal<float[][]> SCALED = new ThreadLocal<>(), PADDING = new ThreadLocal<>();

    /** The input as the kernels take it (in this thread's buffer when scaled), or null when it would not scale exactly. */
    private float[] scaledInput(float[] x) {
        if (inputScale == 1f) return x;
        float[] scaled = scratchRows(SCALED, 1, cols)[0];
        return scale(x, scaled) ? scaled : null;
    }

    /** {@code scaled = x·inputScale}; false when some |x| ≥ inputLimit (or NaN) would not scale exactly. */
    private boolean scale(float[] x, float[] scaled) {
        FloatVector max = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            max = max.max(v.abs()); // NaN propagates
            v.mul(inputScale).intoArray(scaled, i);
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < cols; i++) {
            m = Math.max(m, Math.abs(x[i]));
            scaled[i] = x[i] * inputScale;
        }
        return m < inputLimit;
    }

    /**
     * Decode batches (2 to 15 vectors): two rows per pass as for one vector, widened in registers against the
     * scaled inputs, eight vectors at a time (four when no more are left); the float tile's separate unpacking cost
     * as much as its arithmetic here. Measured over the 1B F16's matrices, 8 vectors, two threads: 250 → 200-218 ms
     * per pass; at 16 even with the tile, at 32 the tile is faster, so prompt chunks keep it.
     */
    @Override
    boolean floatBatch(int n, float[][] xs, float[][] outs, Parallel parallel) {
        if (!FAST || n >= 16) return false;
        float[][] scaled = xs;
        if (inputScale != 1f) {
            scaled = scratchRows(SCALED, n, cols);
            for (int i = 0; i < n; i++) {
                if (!scale(xs[i], scaled[i])) return false;
            }
        }
        float[][] in = scaled;
        // a last group of fewer than 4 or 8 vectors repeats its last vector; those results land in a spare row
        int padded = n <= 4 ? 4 : (n + 7) / 8 * 8;
        float[][] px = new float[padded][], po = new float[padded][];
        float[] spare = scratchRows(PADDING, 1, rows)[0]; // threads write disjoint rows of it
        for (int i = 0; i < padded; i++) {
            px[i] = in[Math.min(i, n - 1)];
            po[i] = i < n ? outs[i] : spare;
        }
        forRowPairs(parallel, (a, b) -> {
            if (padded == 4) {
                rowPairTimes4(a, b, px[0], px[1], px[2], px[3], po[0], po[1], po[2], po[3]);
                return;
            }
            for (int i = 0; i < padded; i += 8) {
                rowPairTimes8(a, b, px[i], px[i + 1], px[i + 2], px[i + 3], px[i + 4], px[i + 5], px[i + 6], px[i + 7],
                        po[i], po[i + 1], po[i + 2], po[i + 3], po[i + 4], po[i + 5], po[i + 6], po[i + 7]);
            }
        });
        return true;
    }

    /** Rows a and b (a == b allowed) times four scaled vectors. */
    private void rowPairTimes4(int a, int b, float[] x0, float[] x1, float[] x2, float[] x3,
            float[] o0, float[] o1, float[] o2, float[] o3) {
        long at = (long) a * cols * 2, bt = (long) b * cols * 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
            FloatVector wa = widened(at + i * 2L), wb = widened(bt + i * 2L);
            FloatVector v = FloatVector.fromArray(F, x0, i);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            v = FloatVector.fromArray(F, x1, i);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            v = FloatVector.fromArray(F, x2, i);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            v = FloatVector.fromArray(F, x3, i);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
        }
        o0[a] = a0.reduceLanes(VectorOperators.ADD) + tail(at, x0, i);
        o1[a] = a1.reduceLanes(VectorOperators.ADD) + tail(at, x1, i);
        o2[a] = a2.reduceLanes(VectorOperators.ADD) + tail(at, x2, i);
        o3[a] = a3.reduceLanes(VectorOperators.ADD) + tail(at, x3, i);
        o0[b] = b0.reduceLanes(VectorOperators.ADD) + tail(bt, x0, i);
        o1[b] = b1.reduceLanes(VectorOperators.ADD) + tail(bt, x1, i);
        o2[b] = b2.reduceLanes(VectorOperators.ADD) + tail(bt, x2, i);
        o3[b] = b3.reduceLanes(VectorOperators.ADD) + tail(bt, x3, i);
    }

    /** Rows a and b (a == b allowed) times eight scaled vectors: 16 accumulators, two weights, one input in registers. */
    private void rowPairTimes8(int a, int b, float[] x0, float[] x1, float[] x2, float[] x3, float[] x4, float[] x5,
            float[] x6, float[] x7, float[] o0, float[] o1, float[] o2, float[] o3, float[] o4, float[] o5, float[] o6,
            float[] o7) {
        long at = (long) a * cols * 2, bt = (long) b * cols * 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
            FloatVector wa = widened(at + i * 2L), wb = widened(bt + i * 2L);
            FloatVector v = FloatVector.fromArray(F, x0, i);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            v = FloatVector.fromArray(F, x1, i);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            v = FloatVector.fromArray(F, x2, i);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            v = FloatVector.fromArray(F, x3, i);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            v = FloatVector.fromArray(F, x4, i);
            a4 = wa.fma(v, a4);
            b4 = wb.fma(v, b4);
            v = FloatVector.fromArray(F, x5, i);
            a5 = wa.fma(v, a5);
            b5 = wb.fma(v, b5);
            v = FloatVector.fromArray(F, x6, i);
            a6 = wa.fma(v, a6);
            b6 = wb.fma(v, b6);
            v = FloatVector.fromArray(F, x7, i);
            a7 = wa.fma(v, a7);
            b7 = wb.fma(v, b7);
        }
        o0[a] = a0.reduceLanes(VectorOperators.ADD) + tail(at, x0, i);
        o1[a] = a1.reduceLanes(VectorOperators.ADD) + tail(at, x1, i);
        o2[a] = a2.reduceLanes(VectorOperators.ADD) + tail(at, x2, i);
        o3[a] = a3.reduceLanes(VectorOperators.ADD) + tail(at, x3, i);
        o4[a] = a4.reduceLanes(VectorOperators.ADD) + tail(at, x4, i);
        o5[a] = a5.reduceLanes(VectorOperators.ADD) + tail(at, x5, i);
        o6[a] = a6.reduceLanes(VectorOperators.ADD) + tail(at, x6, i);
        o7[a] = a7.reduceLanes(VectorOperators.ADD) + tail(at, x7, i);
        o0[b] = b0.reduceLanes(VectorOperators.ADD) + tail(bt, x0, i);
        o1[b] = b1.reduceLanes(VectorOperators.ADD) + tail(bt, x1, i);
        o2[b] = b2.reduceLanes(VectorOperators.ADD) + tail(bt, x2, i);
        o3[b] = b3.reduceLanes(VectorOperators.ADD) + tail(bt, x3, i);
        o4[b] = b4.reduceLanes(VectorOperators.ADD) + tail(bt, x4, i);
        o5[b] = b5.reduceLanes(VectorOperators.ADD) + tail(bt, x5, i);
        o6[b] = b6.reduceLanes(VectorOperators.ADD) + tail(bt, x6, i);
        o7[b] = b7.reduceLanes(VectorOperators.ADD) + tail(bt, x7, i);
    }

    /** The row at {@code at} times the scaled {@code x} from column {@code i} on, scalar (widths not a vector multiple). */
    private float tail(long at, float[] x, int i) {
        float sum = 0f;
        for (; i < cols; i++) sum += Float.intBitsToFloat((data.get(I16_LE, at + i * 2L) << shift) & mask) * x[i];
        return sum;
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
        out[a] = a0.add(a1).reduceLanes(VectorOperators.ADD) + tail(at, x, i);
        out[b] = b0.add(b1).reduceLanes(VectorOperators.ADD) + tail(bt, x, i);
    }

    /**
     * The 16-bit floats at {@code at} as floats times the inverse input scale: sign-extended, the sign fills bits
     * 15-31, so after the shift bit 31 holds it and the mask keeps it with exponent and mantissa.
     */
    private FloatVector widened(long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, at, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, shift).and(mask).viewAsFloatingLanes();
    }

}
