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
     * One vector: each thread takes two rows per pass ({@link #forRowSets}), so every load of {@code x} (4 bytes
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
        forRowSets(parallel, 2, (a, b, c, d) -> dotPair(a, b, scaled, out));
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
     * Decode batches (2 to 63 vectors), widened in registers against the scaled inputs (the float tile's separate
     * unpacking cost as much as its arithmetic here): four rows at a time, each from its own part of the thread's share
     * ({@link #forRowSets}), times four vectors at a time, the next four reusing the rows from cache. The activations
     * come from L2 (eight vectors of 2048 floats are 64 KB), so what counts is how many products each load of one
     * serves, and four weight streams per thread keep more reads in flight than two. Over the 1B F16's matrices, two
     * threads, distinct vectors, ms per pass against two rows times eight vectors (the float tile from 16 on): 2 vectors
     * 112 → 74, 4: 144 → 79, 8: 142–150 → 110–132, 12: 196 → 147, 16: 245 → 174, 32: 370 → 317, 64: 663 → 624, 128:
     * 1238 → 1248, so prompt chunks keep the tile. Three rows times eight vectors did as well at 8 and worse past it;
     * four rows at one vector were slower than two (84 against 60 ms), and adjacent rows slower than parts of the share.
     */
    @Override
    boolean floatBatch(int n, float[][] xs, float[][] outs, Parallel parallel) {
        if (!FAST || n >= 64) return false;
        float[][] scaled = xs;
        if (inputScale != 1f) {
            scaled = scratchRows(SCALED, n, cols);
            for (int i = 0; i < n; i++) {
                if (!scale(xs[i], scaled[i])) return false;
            }
        }
        // a last group of fewer than 4 vectors repeats its last vector; those results land in a spare row
        int groups = (n + 3) / 4;
        float[][][] gx = new float[groups][4][], go = new float[groups][4][];
        float[] spare = scratchRows(PADDING, 1, rows)[0]; // threads write disjoint rows of it
        for (int i = 0; i < 4 * groups; i++) {
            gx[i / 4][i % 4] = scaled[Math.min(i, n - 1)];
            go[i / 4][i % 4] = i < n ? outs[i] : spare;
        }
        forRowSets(parallel, 4, (a, b, c, d) -> {
            for (int g = 0; g < groups; g++) fourRowsTimes4(a, b, c, d, gx[g], go[g]);
        });
        return true;
    }

    /** Rows a to d (repeats allowed) times the four scaled vectors {@code x[0..3]}: 16 accumulators. */
    private void fourRowsTimes4(int a, int b, int c, int d, float[][] x, float[][] o) {
        float[] x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        long at = (long) a * cols * 2, bt = (long) b * cols * 2, ct = (long) c * cols * 2, dt = (long) d * cols * 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        int i = 0;
        for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
            FloatVector wa = widened(at + i * 2L), wb = widened(bt + i * 2L), wc = widened(ct + i * 2L), wd = widened(dt + i * 2L);
            FloatVector v = FloatVector.fromArray(F, x0, i);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            c0 = wc.fma(v, c0);
            d0 = wd.fma(v, d0);
            v = FloatVector.fromArray(F, x1, i);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            c1 = wc.fma(v, c1);
            d1 = wd.fma(v, d1);
            v = FloatVector.fromArray(F, x2, i);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            c2 = wc.fma(v, c2);
            d2 = wd.fma(v, d2);
            v = FloatVector.fromArray(F, x3, i);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            c3 = wc.fma(v, c3);
            d3 = wd.fma(v, d3);
        }
        o[0][a] = a0.reduceLanes(VectorOperators.ADD) + tail(at, x0, i);
        o[1][a] = a1.reduceLanes(VectorOperators.ADD) + tail(at, x1, i);
        o[2][a] = a2.reduceLanes(VectorOperators.ADD) + tail(at, x2, i);
        o[3][a] = a3.reduceLanes(VectorOperators.ADD) + tail(at, x3, i);
        o[0][b] = b0.reduceLanes(VectorOperators.ADD) + tail(bt, x0, i);
        o[1][b] = b1.reduceLanes(VectorOperators.ADD) + tail(bt, x1, i);
        o[2][b] = b2.reduceLanes(VectorOperators.ADD) + tail(bt, x2, i);
        o[3][b] = b3.reduceLanes(VectorOperators.ADD) + tail(bt, x3, i);
        o[0][c] = c0.reduceLanes(VectorOperators.ADD) + tail(ct, x0, i);
        o[1][c] = c1.reduceLanes(VectorOperators.ADD) + tail(ct, x1, i);
        o[2][c] = c2.reduceLanes(VectorOperators.ADD) + tail(ct, x2, i);
        o[3][c] = c3.reduceLanes(VectorOperators.ADD) + tail(ct, x3, i);
        o[0][d] = d0.reduceLanes(VectorOperators.ADD) + tail(dt, x0, i);
        o[1][d] = d1.reduceLanes(VectorOperators.ADD) + tail(dt, x1, i);
        o[2][d] = d2.reduceLanes(VectorOperators.ADD) + tail(dt, x2, i);
        o[3][d] = d3.reduceLanes(VectorOperators.ADD) + tail(dt, x3, i);
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
