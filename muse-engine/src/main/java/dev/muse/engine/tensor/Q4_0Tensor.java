package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Function;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
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
    boolean integerDot() {
        return true;
    }

    /** Each caller's activation panels ({@link IntPanels}) and each worker's unpacked weight pairs. */
    private static final ThreadLocal<int[][]> PANEL_PAIRS = new ThreadLocal<>(), WEIGHT_PAIRS = new ThreadLocal<>();
    private static final ThreadLocal<float[][]> PANEL_SCALES = new ThreadLocal<>(), WEIGHT_SCALES = new ThreadLocal<>();

    /**
     * Prompt chunks of 48 vectors or more on AVX-512, for matrices that {@link #allowPromptPanels allow} it:
     * {@link IntPanels}, four rows at a time unpacked to weight pairs and run past every panel. A remainder of fewer
     * than 48 vectors goes through the row-group kernels.
     */
    @Override
    boolean panelMatmul(int n, float[][] xs, float[][] outs, Parallel parallel) {
        int panelled = IntPanels.panelled(n);
        if (!IntPanels.ENABLED || !promptPanels || panelled == 0 || cols % BLOCK != 0) return false;
        Q8Activations[] xq = activationSet(panelled);
        parallel.forJobs(panelled, (a, b) -> {
            for (int i = a; i < b; i++) xq[i].quantize(xs[i]);
        });
        int count = (panelled + IntPanels.TOKENS - 1) / IntPanels.TOKENS;
        int[][] pairs = intScratch(PANEL_PAIRS, count, cols / 2 * IntPanels.TOKENS);
        float[][] scales = scratchRows(PANEL_SCALES, count, cols / BLOCK * IntPanels.TOKENS);
        parallel.forJobs(count, (a, b) -> {
            for (int p = a; p < b; p++) IntPanels.build(xq, panelled, p, cols, pairs[p], scales[p]);
        });
        parallel.forRange(rows, (from, to) -> panelRows(from, to, panelled, count, pairs, scales, outs));
        if (panelled < n) {
            matmul(n - panelled, Arrays.copyOfRange(xs, panelled, n), Arrays.copyOfRange(outs, panelled, n), parallel);
        }
        return true;
    }

    /** Rows {@code [from, to)} of a {@link #panelMatmul}, four at a time (a last set short of four repeats its last row). */
    private void panelRows(int from, int to, int n, int count, int[][] pairs, float[][] scales, float[][] outs) {
        int blocks = cols / BLOCK, stride = cols / 2;
        int[] w = intScratch(WEIGHT_PAIRS, 1, IntPanels.ROWS * stride)[0];
        float[][] buffers = scratchRows(WEIGHT_SCALES, 2, Math.max(IntPanels.ROWS * blocks, IntPanels.ROWS * IntPanels.TOKENS));
        float[] dw = buffers[0], tile = buffers[1];
        for (int r = from; r < to; r += IntPanels.ROWS) {
            for (int k = 0; k < IntPanels.ROWS; k++) unpackPairs(Math.min(r + k, to - 1), w, k * stride, dw, k * blocks);
            for (int p = 0; p < count; p++) {
                Arrays.fill(tile, 0, IntPanels.ROWS * IntPanels.TOKENS, 0f);
                for (int b = 0; b < blocks; b++) IntPanels.block(b, w, stride, dw, blocks, pairs[p], scales[p], tile);
                int t0 = p * IntPanels.TOKENS, tokens = Math.min(IntPanels.TOKENS, n - t0);
                for (int k = 0; k < IntPanels.ROWS && r + k < to; k++) {
                    for (int t = 0; t < tokens; t++) outs[t0 + t][r + k] = tile[k * IntPanels.TOKENS + t];
                }
            }
        }
    }

    /**
     * Row {@code row} as {@link IntPanels}' weight pairs (block element j's nibble minus 8 in the upper half, element
     * j+16's in the lower; 16 per block) at {@code w[off..]}, and its block scales at {@code d[dOff..]}.
     */
    private void unpackPairs(int row, int[] w, int off, float[] d, int dOff) {
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = ((long) row * blocks + b) * BYTES;
            d[dOff + b] = f16(data, at);
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE)
                    .convertShape(VectorOperators.B2I, IntPanels.I, 0);
            IntVector low = v.and(15).sub(8).lanewise(VectorOperators.LSHL, 16);
            low.add(v.lanewise(VectorOperators.ASHR, 4).and(15).sub(8)).intoArray(w, off + b * 16);
        }
    }

    /** {@code count} int rows of at least {@code length} from this thread's {@code buffers}, grown when short. */
    private static int[][] intScratch(ThreadLocal<int[][]> buffers, int count, int length) {
        int[][] b = buffers.get();
        if (b == null || b.length < count || b[0].length < length) {
            b = new int[Math.max(count, b == null ? 0 : b.length)][Math.max(length, b == null ? 0 : b[0].length)];
            buffers.set(b);
        }
        return b;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs[i], xs[i + 1], xs[i + 2], xs[i + 3], outs, i);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    /** Row groups: per group and block 128 quant bytes (8 slices of 16) and the 8 rows' scales. */
    private static final int GROUP_BYTES = 8 * 16;

    /**
     * The 256-bit layout's bytes per group and block: the quant bytes, then the 8 rows' scales as the file's half
     * floats in the same stream (a separate float array was a second stream per product, as in the wide layout).
     */
    private static final int NARROW_UNIT_BYTES = GROUP_BYTES + 16;

    /**
     * The wide layout's bytes per block pair: 256 quant bytes, then the 16 scales as the file's half floats (as
     * floats they were a fifth of the bytes decoding streams; widening 16 halves once per pair costs a few
     * instructions against the 64 the pair's products take).
     */
    private static final int WIDE_UNIT_BYTES = 2 * GROUP_BYTES + 32;

    @Override
    int groupQuantBytes() {
        return WIDE ? WIDE_UNIT_BYTES / 2 : NARROW_UNIT_BYTES;
    }

    /** Both layouts keep their scales among the quant bytes. */
    @Override
    int groupScales() {
        return 0;
    }


    /**
     * Group {@code g}, block {@code b}: for p &lt; 8 the bytes {@code 2p, 2p+1} of each row in turn. A byte holds
     * elements {@code j} (low nibble) and {@code j+16} (high nibble), so after widening to 16-bit lanes the low
     * nibbles of slice p are row r's elements (2p, 2p+1) in 32-bit lane r, the high ones (2p+16, 2p+17).
     */
    @Override
    void packGroup(RowGroups out, int g) {
        if (WIDE) {
            packGroupWide(out, g);
            return;
        }
        int blocks = cols / BLOCK;
        byte[] src = groupRows(g);
        for (int b = 0; b < blocks; b++) {
            int unit = unitIndex(g, b);
            for (int r = 0; r < GROUP; r++) {
                int at = (r * blocks + b) * BYTES;
                out.quants()[unit * NARROW_UNIT_BYTES + GROUP_BYTES + 2 * r] = src[at];
                out.quants()[unit * NARROW_UNIT_BYTES + GROUP_BYTES + 2 * r + 1] = src[at + 1];
                for (int p = 0; p < 8; p++) {
                    int o = unit * NARROW_UNIT_BYTES + 16 * p + 2 * r;
                    out.quants()[o] = src[at + 2 + 2 * p];
                    out.quants()[o + 1] = src[at + 3 + 2 * p];
                }
            }
        }
    }

    /**
     * The wide layout: per group and block pair {@code (2k, 2k+1)} 256 quant bytes, slice p &lt; 8 of 32 bytes holding
     * for each row r block 2k's bytes {@code 2p, 2p+1} then block 2k+1's, so after widening 32-bit lane 2r is row r
     * in block 2k and lane 2r+1 row r in block 2k+1; then the 16 scales as half floats in the same lane order. An odd
     * last block pairs with zeros.
     */
    private void packGroupWide(RowGroups out, int g) {
        forEachWideBlock(out, g, WIDE_UNIT_BYTES, (quants, base, lane, src, at) -> packBlockWide(quants, base, lane, src, at, 8));
    }

    @Override
    void prepareGroupActivations(Q8Activations x) {
        if (WIDE) x.paired(1);
        else x.pairs();
    }

    @Override
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        if (WIDE) {
            Q8Activations.Paired p = x.paired(1);
            wideKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, p.pairs(), p.sums(), p.d(), out, lanes);
            return;
        }
        groupKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, x.pairs(), x.sums, x.d, out);
    }

    /**
     * Rows {@code 8g..8g+7} times one activation vector, one row per lane. Nibbles (0..15, unsigned as the pair
     * multiply needs) times activations, eight pair multiplies summed per lane before the rounding shift:
     * |Σ w0·x1| ≤ 8·15·127 and |Σ (w0·x0 + w1·x1)| ≤ 8·2·15·127, both below 2^15. The offset 8 comes off once per
     * block through Σx.
     */
    private static void groupKernel(byte[] qs, int g, int unit0, int m0, int m1, int[] xp, int[] sums, float[] xd, float[] out) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = m0, unit = unit0; b < m1; b++, unit++) {
            int o = unit * NARROW_UNIT_BYTES;
            int xi = b * 16;
            IntVector lo = IntVector.zero(I), hi = lo;
            for (int p = 0; p < 4; p++) { // two slices per step, as Q4_K's kernel (written out, C2 compiled it badly in some runs)
                ShortVector w = (ShortVector) ByteVector.fromArray(B16, qs, o + 16 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector v = (ShortVector) ByteVector.fromArray(B16, qs, o + 64 + 16 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                lo = lo.add(w.and((short) 0x0f).reinterpretAsInts().mul(xp[xi + p]));
                hi = hi.add(w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(xp[xi + 8 + p]));
                lo = lo.add(v.and((short) 0x0f).reinterpretAsInts().mul(xp[xi + 4 + p]));
                hi = hi.add(v.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(xp[xi + 12 + p]));
            }
            IntVector s = lo.add(0x8000).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.add(0x8000).lanewise(VectorOperators.ASHR, 16)).sub(8 * sums[b]);
            IntVector hs = (IntVector) ByteVector.fromArray(B16, qs, o + GROUP_BYTES).reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0);
            FloatVector scale = hs.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = ((FloatVector) s.convertShape(VectorOperators.I2F, F8, 0)).fma(scale.mul(xd[b]), acc);
        }
        acc.add(FloatVector.fromArray(F8, out, g * GROUP)).intoArray(out, g * GROUP);
    }

    /** On 512-bit vectors: {@link #wideKernelTwo}. */
    @Override
    boolean twoGroupKernel() {
        return WIDE;
    }

    @Override
    void groupDotTwo(RowGroups gs, int g, int h, int m0, int m1, Q8Activations x, float[] lanes) {
        Q8Activations.Paired p = x.paired(1);
        wideKernelTwo(gs.quants(), unitIndex(g, m0), unitIndex(h, m0), m0, m1, p.pairs(), p.sums(), p.d(), lanes);
    }

    /**
     * {@link #wideKernel} for two groups at once (units from {@code unitA} and {@code unitB}), each activation pair
     * broadcast once for both; per group the same arithmetic in the same order, so the results are {@link #wideKernel}'s.
     * Over the 1B Q4_0's matrices, two threads, alternating JVMs: 17.4–19.4 → 16.2–18.3 ms per pass; generation
     * ({@code BenchMain FILE 2 16 64 1 2}) 51–64 → 53–70 t/s in 6 pairs, faster in 4 (see the engine README).
     */
    private static void wideKernelTwo(byte[] qs, int unitA, int unitB, int m0, int m1, long[] xp, long[] sums, long[] xd, float[] lanes) {
        FloatVector accA = FloatVector.zero(F16), accB = accA;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int k = m0, ua = unitA, ub = unitB; k < m1; k++, ua++, ub++) {
            int oa = ua * WIDE_UNIT_BYTES, ob = ub * WIDE_UNIT_BYTES;
            int xi = k * 16;
            IntVector loA = bias, hiA = bias, loB = bias, hiB = bias;
            for (int p = 0; p < 8; p++) {
                IntVector xl = LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts();
                IntVector xh = LongVector.broadcast(L8, xp[xi + 8 + p]).reinterpretAsInts();
                ShortVector wa = (ShortVector) ByteVector.fromArray(B32, qs, oa + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                ShortVector wb = (ShortVector) ByteVector.fromArray(B32, qs, ob + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                loA = loA.add(wa.and((short) 0x0f).reinterpretAsInts().mul(xl));
                hiA = hiA.add(wa.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(xh));
                loB = loB.add(wb.and((short) 0x0f).reinterpretAsInts().mul(xl));
                hiB = hiB.add(wb.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(xh));
            }
            IntVector offset = LongVector.broadcast(L8, sums[k]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3);
            FloatVector d = LongVector.broadcast(L8, xd[k]).reinterpretAsFloats();
            IntVector sA = loA.lanewise(VectorOperators.ASHR, 16).add(hiA.lanewise(VectorOperators.ASHR, 16)).sub(offset);
            IntVector sB = loB.lanewise(VectorOperators.ASHR, 16).add(hiB.lanewise(VectorOperators.ASHR, 16)).sub(offset);
            IntVector hA = (IntVector) ByteVector.fromArray(B32, qs, oa + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hB = (IntVector) ByteVector.fromArray(B32, qs, ob + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector scaleA = hA.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector scaleB = hB.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            accA = ((FloatVector) sA.convertShape(VectorOperators.I2F, F16, 0)).fma(scaleA.mul(d), accA);
            accB = ((FloatVector) sB.convertShape(VectorOperators.I2F, F16, 0)).fma(scaleB.mul(d), accB);
        }
        accA.intoArray(lanes, 0);
        accB.intoArray(lanes, 16);
    }

    @Override
    int groupedBatchLimit() {
        return WIDE ? 256 : 16;
    }

    /**
     * {@link #groupKernel} on 512-bit vectors, two blocks per vector (see {@link #packGroupWide}): the same integer
     * arithmetic per row and block, each block's multiplier broadcast to its lanes as one long. Lane 2r sums row r's
     * even blocks, lane 2r+1 its odd ones; the two are added at the end.
     */
    private static void wideKernel(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] sums, long[] xd, float[] out, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16);
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int k = m0, unit = unit0; k < m1; k++, unit++) {
            int o = unit * WIDE_UNIT_BYTES;
            int xi = k * 16;
            IntVector lo = bias, hi = bias;
            for (int p = 0; p < 8; p++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(B32, qs, o + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                lo = lo.add(w.and((short) 0x0f).reinterpretAsInts().mul(LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts()));
                hi = hi.add(w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(LongVector.broadcast(L8, xp[xi + 8 + p]).reinterpretAsInts()));
            }
            IntVector s = lo.lanewise(VectorOperators.ASHR, 16).add(hi.lanewise(VectorOperators.ASHR, 16))
                    .sub(LongVector.broadcast(L8, sums[k]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3));
            FloatVector d = LongVector.broadcast(L8, xd[k]).reinterpretAsFloats();
            IntVector h = (IntVector) ByteVector.fromArray(B32, qs, o + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = ((FloatVector) s.convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(d), acc);
        }
        acc.intoArray(lanes, 0);
        addLanePairs(lanes, 0, out, g * GROUP);
    }

    @Override
    void groupDot4(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        if (WIDE) {
            Q8Activations.Batch b = batch(xs, i, 4);
            wideKernel4(gs.quants(), g, unitIndex(g, m0), m0, m1, b.pairs(), b.sums(), b.d(), outs[i], outs[i + 1], outs[i + 2], outs[i + 3], lanes);
            return;
        }
        Q8Activations x0 = xs[i], x1 = xs[i + 1], x2 = xs[i + 2], x3 = xs[i + 3];
        groupKernel4(gs.quants(), g, unitIndex(g, m0), m0, m1, x0.pairs(), x1.pairs(), x2.pairs(), x3.pairs(),
                x0.sums, x1.sums, x2.sums, x3.sums, x0.d, x1.d, x2.d, x3.d, outs[i], outs[i + 1], outs[i + 2], outs[i + 3]);
    }

    /**
     * Four vectors per pass (on AVX-512 over two groups at once, {@link #wideKernel4Pair}), or one at a time, as the
     * {@link KernelRace} finds faster.
     */
    @Override
    int batchWidth() {
        return 4;
    }

    @Override
    Function<Q8Activations, Q8Activations.Paired> batchForm() {
        return WIDE ? Q8Activations.NEIGHBOURS : null;
    }

    @Override
    boolean fourVectorPairKernel() {
        return WIDE;
    }

    @Override
    void groupDot4Pair(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        Q8Activations.Batch b = batch(xs, i, 4);
        wideKernel4Pair(gs.quants(), unitIndex(g, m0), unitIndex(g + 1, m0), m0, m1, b.pairs(), b.sums(), b.d(), lanes);
        addLanePairs(lanes, 0, outs[i], outs[i + 1], outs[i + 2], outs[i + 3], g * GROUP);
        addLanePairs(lanes, 64, outs[i], outs[i + 1], outs[i + 2], outs[i + 3], (g + 1) * GROUP);
    }

    /**
     * {@link #wideKernel4} over two groups (units from {@code unitA} and {@code unitB}) at once: each activation pair is
     * broadcast once for both groups' slices, where {@link #wideKernel4} (and the eight-vector kernel before this one)
     * broadcast one per multiply: per slice 16 broadcasts, 16 multiplies and 16 adds, and that loop with each
     * broadcast used twice ran 1.3× faster (harness, one core). Per group and vector the same arithmetic in the same
     * order, so results are {@link #wideKernel4}'s. One core, a 2048×2048 matrix from L3: 64 vectors 105–112 →
     * 130–134 G multiply-adds/s (the eight-vector kernel's figure first); 1B Q4_0, 2 threads, alternating JVMs:
     * 128-token prompts 193–206 → 220–235 t/s, 8 sequences 111–119 → 137–144 t/s, 4 sequences 93–94 → 112–116 t/s
     * (see the engine README).
     */
    private static void wideKernel4Pair(byte[] qs, int unitA, int unitB, int m0, int m1, long[] xp, long[] xs, long[] xd, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F16), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int k = m0, ua = unitA, ub = unitB; k < m1; k++, ua++, ub++) {
            int oa = ua * WIDE_UNIT_BYTES, ob = ub * WIDE_UNIT_BYTES;
            // l/h: group A's low- and high-nibble sums per vector, u/v: group B's
            IntVector l0 = bias, h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
            IntVector u0 = bias, v0 = u0, u1 = u0, v1 = u0, u2 = u0, v2 = u0, u3 = u0, v3 = u0;
            for (int p = 0; p < 8; p++) {
                ShortVector wa = (ShortVector) ByteVector.fromArray(B32, qs, oa + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                ShortVector wb = (ShortVector) ByteVector.fromArray(B32, qs, ob + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                IntVector al = wa.and((short) 0x0f).reinterpretAsInts(), ah = wa.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts();
                IntVector bl = wb.and((short) 0x0f).reinterpretAsInts(), bh = wb.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts();
                int lo = (k * 16 + p) * 4, hi = lo + 32;
                IntVector x = LongVector.broadcast(L8, xp[lo]).reinterpretAsInts();
                l0 = l0.add(al.mul(x));
                u0 = u0.add(bl.mul(x));
                x = LongVector.broadcast(L8, xp[hi]).reinterpretAsInts();
                h0 = h0.add(ah.mul(x));
                v0 = v0.add(bh.mul(x));
                x = LongVector.broadcast(L8, xp[lo + 1]).reinterpretAsInts();
                l1 = l1.add(al.mul(x));
                u1 = u1.add(bl.mul(x));
                x = LongVector.broadcast(L8, xp[hi + 1]).reinterpretAsInts();
                h1 = h1.add(ah.mul(x));
                v1 = v1.add(bh.mul(x));
                x = LongVector.broadcast(L8, xp[lo + 2]).reinterpretAsInts();
                l2 = l2.add(al.mul(x));
                u2 = u2.add(bl.mul(x));
                x = LongVector.broadcast(L8, xp[hi + 2]).reinterpretAsInts();
                h2 = h2.add(ah.mul(x));
                v2 = v2.add(bh.mul(x));
                x = LongVector.broadcast(L8, xp[lo + 3]).reinterpretAsInts();
                l3 = l3.add(al.mul(x));
                u3 = u3.add(bl.mul(x));
                x = LongVector.broadcast(L8, xp[hi + 3]).reinterpretAsInts();
                h3 = h3.add(ah.mul(x));
                v3 = v3.add(bh.mul(x));
            }
            IntVector ha = (IntVector) ByteVector.fromArray(B32, qs, oa + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hb = (IntVector) ByteVector.fromArray(B32, qs, ob + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector sa = ha.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector sb = hb.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            // the block ends written out per vector: passed to a helper method, C2 left the vectors boxed (8 seqs 6.5 t/s)
            IntVector off = LongVector.broadcast(L8, xs[4 * k]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3);
            FloatVector d = LongVector.broadcast(L8, xd[4 * k]).reinterpretAsFloats();
            a0 = ((FloatVector) l0.lanewise(VectorOperators.ASHR, 16).add(h0.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sa.mul(d), a0);
            b0 = ((FloatVector) u0.lanewise(VectorOperators.ASHR, 16).add(v0.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sb.mul(d), b0);
            off = LongVector.broadcast(L8, xs[4 * k + 1]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3);
            d = LongVector.broadcast(L8, xd[4 * k + 1]).reinterpretAsFloats();
            a1 = ((FloatVector) l1.lanewise(VectorOperators.ASHR, 16).add(h1.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sa.mul(d), a1);
            b1 = ((FloatVector) u1.lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sb.mul(d), b1);
            off = LongVector.broadcast(L8, xs[4 * k + 2]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3);
            d = LongVector.broadcast(L8, xd[4 * k + 2]).reinterpretAsFloats();
            a2 = ((FloatVector) l2.lanewise(VectorOperators.ASHR, 16).add(h2.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sa.mul(d), a2);
            b2 = ((FloatVector) u2.lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sb.mul(d), b2);
            off = LongVector.broadcast(L8, xs[4 * k + 3]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3);
            d = LongVector.broadcast(L8, xd[4 * k + 3]).reinterpretAsFloats();
            a3 = ((FloatVector) l3.lanewise(VectorOperators.ASHR, 16).add(h3.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sa.mul(d), a3);
            b3 = ((FloatVector) u3.lanewise(VectorOperators.ASHR, 16).add(v3.lanewise(VectorOperators.ASHR, 16)).sub(off).convertShape(VectorOperators.I2F, F16, 0)).fma(sb.mul(d), b3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 16);
        a2.intoArray(lanes, 32);
        a3.intoArray(lanes, 48);
        b0.intoArray(lanes, 64);
        b1.intoArray(lanes, 80);
        b2.intoArray(lanes, 96);
        b3.intoArray(lanes, 112);
    }

    /** {@link #groupKernel} for four vectors: each slice is loaded and split once, then multiplied by all four. */
    private static void groupKernel4(byte[] qs, int g, int unit0, int m0, int m1, int[] p0, int[] p1, int[] p2, int[] p3,
            int[] s0, int[] s1, int[] s2, int[] s3, float[] d0, float[] d1, float[] d2, float[] d3,
            float[] out0, float[] out1, float[] out2, float[] out3) {
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
        // the sums start at the rounding bias 0x8000 instead of adding it at the end: fewer vector calls keep this
        // method inside C2's inlining budget (past it, Vector API calls stayed boxed in some JVM starts, seen with
        // PrintInlining: "failed to inline (intrinsic)", "too big")
        IntVector bias = IntVector.broadcast(I, 0x8000);
        for (int b = m0, unit = unit0; b < m1; b++, unit++) {
            int o = unit * NARROW_UNIT_BYTES;
            int xi = b * 16;
            IntVector l0 = bias, h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
            for (int p = 0; p < 8; p++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(B16, qs, o + 16 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                IntVector wl = w.and((short) 0x0f).reinterpretAsInts(), wh = w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts();
                int lo = xi + p, hi = xi + 8 + p;
                l0 = l0.add(wl.mul(p0[lo]));
                h0 = h0.add(wh.mul(p0[hi]));
                l1 = l1.add(wl.mul(p1[lo]));
                h1 = h1.add(wh.mul(p1[hi]));
                l2 = l2.add(wl.mul(p2[lo]));
                h2 = h2.add(wh.mul(p2[hi]));
                l3 = l3.add(wl.mul(p3[lo]));
                h3 = h3.add(wh.mul(p3[hi]));
            }
            IntVector hs = (IntVector) ByteVector.fromArray(B16, qs, o + GROUP_BYTES).reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0);
            FloatVector scale = hs.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            IntVector s = l0.lanewise(VectorOperators.ASHR, 16).add(h0.lanewise(VectorOperators.ASHR, 16)).sub(8 * s0[b]);
            a0 = ((FloatVector) s.convertShape(VectorOperators.I2F, F8, 0)).fma(scale.mul(d0[b]), a0);
            s = l1.lanewise(VectorOperators.ASHR, 16).add(h1.lanewise(VectorOperators.ASHR, 16)).sub(8 * s1[b]);
            a1 = ((FloatVector) s.convertShape(VectorOperators.I2F, F8, 0)).fma(scale.mul(d1[b]), a1);
            s = l2.lanewise(VectorOperators.ASHR, 16).add(h2.lanewise(VectorOperators.ASHR, 16)).sub(8 * s2[b]);
            a2 = ((FloatVector) s.convertShape(VectorOperators.I2F, F8, 0)).fma(scale.mul(d2[b]), a2);
            s = l3.lanewise(VectorOperators.ASHR, 16).add(h3.lanewise(VectorOperators.ASHR, 16)).sub(8 * s3[b]);
            a3 = ((FloatVector) s.convertShape(VectorOperators.I2F, F8, 0)).fma(scale.mul(d3[b]), a3);
        }
        a0.add(FloatVector.fromArray(F8, out0, g * GROUP)).intoArray(out0, g * GROUP);
        a1.add(FloatVector.fromArray(F8, out1, g * GROUP)).intoArray(out1, g * GROUP);
        a2.add(FloatVector.fromArray(F8, out2, g * GROUP)).intoArray(out2, g * GROUP);
        a3.add(FloatVector.fromArray(F8, out3, g * GROUP)).intoArray(out3, g * GROUP);
    }

    /** {@link #wideKernel} for four vectors, each slice widened and split once: per vector the same arithmetic. */
    private static void wideKernel4(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xs, long[] xd,
            float[] out0, float[] out1, float[] out2, float[] out3, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F16), a1 = a0, a2 = a0, a3 = a0;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int k = m0, unit = unit0; k < m1; k++, unit++) {
            int o = unit * WIDE_UNIT_BYTES;
            IntVector l0 = bias, h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
            for (int p = 0; p < 8; p++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(B32, qs, o + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                IntVector wl = w.and((short) 0x0f).reinterpretAsInts(), wh = w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts();
                int lo = (k * 16 + p) * 4, hi = lo + 32;
                l0 = l0.add(wl.mul(LongVector.broadcast(L8, xp[lo]).reinterpretAsInts()));
                h0 = h0.add(wh.mul(LongVector.broadcast(L8, xp[hi]).reinterpretAsInts()));
                l1 = l1.add(wl.mul(LongVector.broadcast(L8, xp[lo + 1]).reinterpretAsInts()));
                h1 = h1.add(wh.mul(LongVector.broadcast(L8, xp[hi + 1]).reinterpretAsInts()));
                l2 = l2.add(wl.mul(LongVector.broadcast(L8, xp[lo + 2]).reinterpretAsInts()));
                h2 = h2.add(wh.mul(LongVector.broadcast(L8, xp[hi + 2]).reinterpretAsInts()));
                l3 = l3.add(wl.mul(LongVector.broadcast(L8, xp[lo + 3]).reinterpretAsInts()));
                h3 = h3.add(wh.mul(LongVector.broadcast(L8, xp[hi + 3]).reinterpretAsInts()));
            }
            IntVector h = (IntVector) ByteVector.fromArray(B32, qs, o + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            IntVector s = l0.lanewise(VectorOperators.ASHR, 16).add(h0.lanewise(VectorOperators.ASHR, 16))
                    .sub(LongVector.broadcast(L8, xs[4 * k]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3));
            a0 = ((FloatVector) s.convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k]).reinterpretAsFloats()), a0);
            s = l1.lanewise(VectorOperators.ASHR, 16).add(h1.lanewise(VectorOperators.ASHR, 16))
                    .sub(LongVector.broadcast(L8, xs[4 * k + 1]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3));
            a1 = ((FloatVector) s.convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k + 1]).reinterpretAsFloats()), a1);
            s = l2.lanewise(VectorOperators.ASHR, 16).add(h2.lanewise(VectorOperators.ASHR, 16))
                    .sub(LongVector.broadcast(L8, xs[4 * k + 2]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3));
            a2 = ((FloatVector) s.convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k + 2]).reinterpretAsFloats()), a2);
            s = l3.lanewise(VectorOperators.ASHR, 16).add(h3.lanewise(VectorOperators.ASHR, 16))
                    .sub(LongVector.broadcast(L8, xs[4 * k + 3]).reinterpretAsInts().lanewise(VectorOperators.LSHL, 3));
            a3 = ((FloatVector) s.convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k + 3]).reinterpretAsFloats()), a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 16);
        a2.intoArray(lanes, 32);
        a3.intoArray(lanes, 48);
        addLanePairs(lanes, 0, out0, out1, out2, out3, g * GROUP);
    }

    private float dot1(int row, Q8Activations x0) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector a00 = FloatVector.zero(F8), a01 = a00;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, at += 2 * BYTES) {
            int xi = b * BLOCK;
            // zero-extended once; the nibbles are then split on 16-bit lanes
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + BYTES + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector lo0 = q0.and((short) 0x0f).sub((short) 8), hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            ShortVector lo1 = q1.and((short) 0x0f).sub((short) 8), hi1 = q1.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            float dw0 = f16(data, at), dw1 = f16(data, at + BYTES);
            IntVector p00 = lo0.mul(ShortVector.fromArray(S, x0.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            IntVector p01 = lo1.mul(ShortVector.fromArray(S, x0.q, xi + 32)).add(hi1.mul(ShortVector.fromArray(S, x0.q, xi + 48))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
            a01 = ((FloatVector) p01.lanewise(VectorOperators.ASHR, 16).add(p01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x0.d[b + 1]), a01);
        }
        if (b < blocks) { // an odd block count: the last one into the first accumulator
            int xi = b * BLOCK;
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector lo0 = q0.and((short) 0x0f).sub((short) 8), hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            float dw0 = f16(data, at);
            IntVector p00 = lo0.mul(ShortVector.fromArray(S, x0.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
        }
        return a00.add(a01).reduceLanes(VectorOperators.ADD);
    }

    /** Four vectors per weight load; each vector's arithmetic is exactly {@link #dot1}'s. */
    private void dot4(int row, Q8Activations x0, Q8Activations x1, Q8Activations x2, Q8Activations x3, float[][] outs, int o) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector a00 = FloatVector.zero(F8), a01 = a00;
        FloatVector a10 = FloatVector.zero(F8), a11 = a10;
        FloatVector a20 = FloatVector.zero(F8), a21 = a20;
        FloatVector a30 = FloatVector.zero(F8), a31 = a30;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, at += 2 * BYTES) {
            int xi = b * BLOCK;
            // zero-extended once; the nibbles are then split on 16-bit lanes
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + BYTES + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector lo0 = q0.and((short) 0x0f).sub((short) 8), hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            ShortVector lo1 = q1.and((short) 0x0f).sub((short) 8), hi1 = q1.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            float dw0 = f16(data, at), dw1 = f16(data, at + BYTES);
            IntVector p00 = lo0.mul(ShortVector.fromArray(S, x0.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            IntVector p01 = lo1.mul(ShortVector.fromArray(S, x0.q, xi + 32)).add(hi1.mul(ShortVector.fromArray(S, x0.q, xi + 48))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
            a01 = ((FloatVector) p01.lanewise(VectorOperators.ASHR, 16).add(p01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x0.d[b + 1]), a01);
            IntVector p10 = lo0.mul(ShortVector.fromArray(S, x1.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x1.q, xi + 16))).reinterpretAsInts();
            IntVector p11 = lo1.mul(ShortVector.fromArray(S, x1.q, xi + 32)).add(hi1.mul(ShortVector.fromArray(S, x1.q, xi + 48))).reinterpretAsInts();
            a10 = ((FloatVector) p10.lanewise(VectorOperators.ASHR, 16).add(p10.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x1.d[b]), a10);
            a11 = ((FloatVector) p11.lanewise(VectorOperators.ASHR, 16).add(p11.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x1.d[b + 1]), a11);
            IntVector p20 = lo0.mul(ShortVector.fromArray(S, x2.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x2.q, xi + 16))).reinterpretAsInts();
            IntVector p21 = lo1.mul(ShortVector.fromArray(S, x2.q, xi + 32)).add(hi1.mul(ShortVector.fromArray(S, x2.q, xi + 48))).reinterpretAsInts();
            a20 = ((FloatVector) p20.lanewise(VectorOperators.ASHR, 16).add(p20.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x2.d[b]), a20);
            a21 = ((FloatVector) p21.lanewise(VectorOperators.ASHR, 16).add(p21.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x2.d[b + 1]), a21);
            IntVector p30 = lo0.mul(ShortVector.fromArray(S, x3.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x3.q, xi + 16))).reinterpretAsInts();
            IntVector p31 = lo1.mul(ShortVector.fromArray(S, x3.q, xi + 32)).add(hi1.mul(ShortVector.fromArray(S, x3.q, xi + 48))).reinterpretAsInts();
            a30 = ((FloatVector) p30.lanewise(VectorOperators.ASHR, 16).add(p30.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x3.d[b]), a30);
            a31 = ((FloatVector) p31.lanewise(VectorOperators.ASHR, 16).add(p31.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x3.d[b + 1]), a31);
        }
        if (b < blocks) { // an odd block count: the last one into the first accumulator
            int xi = b * BLOCK;
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector lo0 = q0.and((short) 0x0f).sub((short) 8), hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            float dw0 = f16(data, at);
            IntVector p00 = lo0.mul(ShortVector.fromArray(S, x0.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
            IntVector p10 = lo0.mul(ShortVector.fromArray(S, x1.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x1.q, xi + 16))).reinterpretAsInts();
            a10 = ((FloatVector) p10.lanewise(VectorOperators.ASHR, 16).add(p10.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x1.d[b]), a10);
            IntVector p20 = lo0.mul(ShortVector.fromArray(S, x2.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x2.q, xi + 16))).reinterpretAsInts();
            a20 = ((FloatVector) p20.lanewise(VectorOperators.ASHR, 16).add(p20.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x2.d[b]), a20);
            IntVector p30 = lo0.mul(ShortVector.fromArray(S, x3.q, xi)).add(hi0.mul(ShortVector.fromArray(S, x3.q, xi + 16))).reinterpretAsInts();
            a30 = ((FloatVector) p30.lanewise(VectorOperators.ASHR, 16).add(p30.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x3.d[b]), a30);
        }
        outs[o][row] = a00.add(a01).reduceLanes(VectorOperators.ADD);
        outs[o + 1][row] = a10.add(a11).reduceLanes(VectorOperators.ADD);
        outs[o + 2][row] = a20.add(a21).reduceLanes(VectorOperators.ADD);
        outs[o + 3][row] = a30.add(a31).reduceLanes(VectorOperators.ADD);
    }

    /** Vector unpacking for the prompt kernel: the same products d·(q − 8) as {@link #dequantizeBlock}. */
    @Override
    void unpackRow(int row, float[] out) {
        if (!VECTOR_OK) {
            super.unpackRow(row, out);
            return;
        }
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            FloatVector d = FloatVector.broadcast(F, f16(data, at));
            int o = b * BLOCK;
            for (int j = 0; j < 16; j += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, at + 2 + j, LE);
                ByteVector lo = q.and((byte) 0x0f).sub((byte) 8);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8);
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(out, o + j + p * F.length());
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(out, o + 16 + j + p * F.length());
                }
            }
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
