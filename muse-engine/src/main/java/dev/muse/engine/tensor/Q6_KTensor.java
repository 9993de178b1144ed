package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.S2F;

/**
 * Super-blocks of 256 (ggml's block_q6_K): 128 bytes of low nibbles {@code ql}, 64 bytes of 2-bit highs
 * {@code qh}, 16 signed 8-bit scales (one per 16 elements), then half {@code d}. value = d·scale·(q − 32).
 */
public final class Q6_KTensor extends Tensor {
    static final int BLOCK = 256;
    static final int BYTES = 210;

    Q6_KTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    /** The 256 values 0..63 of the super-block at {@code at} of {@code s}: low nibbles joined with their 2-bit highs. */
    static void values(MemorySegment s, long at, int[] q) {
        for (int n = 0; n < 2; n++) {
            long ql = at + 64 * n, qh = at + 128 + 32 * n;
            for (int l = 0; l < 32; l++) {
                int a = s.get(I8, ql + l) & 0xff, c = s.get(I8, ql + l + 32) & 0xff, h = s.get(I8, qh + l) & 0xff;
                q[128 * n + l] = (a & 0x0f) | ((h & 3) << 4);
                q[128 * n + l + 32] = (c & 0x0f) | (((h >>> 2) & 3) << 4);
                q[128 * n + l + 64] = (a >>> 4) | (((h >>> 4) & 3) << 4);
                q[128 * n + l + 96] = (c >>> 4) | (((h >>> 6) & 3) << 4);
            }
        }
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        int[] q = new int[BLOCK];
        values(data, at, q);
        float d = f16(data, at + 208);
        for (int i = 0; i < BLOCK; i++) out[off + i] = d * data.get(I8, at + 192 + i / 16) * (q[i] - 32);
    }

    @Override
    boolean integerDot() {
        return true;
    }

    /**
     * Row groups: per group and super-block, for each 16 elements 8 slices of 16 bytes, one 6-bit value per byte, then
     * the 8 rows' 16 signed 8-bit scales.
     */
    private static final int GROUP_BYTES = 16 * 128 + 128;

    /** The wide layout's bytes per super-block pair: values and scales, then {@code d} as 16 half floats. */
    private static final int WIDE_UNIT_BYTES = 2 * GROUP_BYTES + 32;

    @Override
    int groupQuantBytes() {
        return WIDE ? WIDE_UNIT_BYTES / 2 : GROUP_BYTES;
    }

    /** Per group and super-block: the 8 rows' {@code d}. */
    @Override
    int groupScales() {
        return WIDE ? 0 : GROUP;
    }

    /**
     * For each 16 elements k and slice p &lt; 8: elements {@code 16k + 2p, +1} of each row in turn, centred
     * ({@link #putCentredPair}), then the rows' scales of k (at {@code 136k + 128 + r}, read right after the values): 1.08
     * bytes per weight against the file's 0.82 (scales as floats made it 1.25, and decoding streams every byte), and
     * the kernel widens and multiplies with nothing to unpack.
     */
    @Override
    void packGroup(RowGroups out, int g) {
        if (WIDE) {
            packGroupWide(out, g);
            return;
        }
        int blocks = cols / BLOCK;
        byte[] src = groupRows(g);
        MemorySegment bytes = MemorySegment.ofArray(src);
        int[] q = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            int unit = unitIndex(g, b);
            for (int r = 0; r < GROUP; r++) {
                int at = (r * blocks + b) * BYTES;
                out.scales()[unit * GROUP + r] = f16(src, at + 208);
                values(bytes, at, q);
                for (int k = 0; k < 16; k++) {
                    out.quants()[unit * GROUP_BYTES + 136 * k + 128 + r] = src[at + 192 + k];
                    for (int p = 0; p < 8; p++) putCentredPair(out.quants(), unit * GROUP_BYTES + 136 * k + 16 * p + 2 * r, q, 16 * k + 2 * p);
                }
            }
        }
    }

    /**
     * Values {@code q[i]} and {@code q[i + 1]} (0..63) as the kernels' pair: centred, q − 32 as signed bytes, the
     * first's borrow taken off the second, so that sign-extended to 16-bit halves and read as one int the lane is
     * exactly {@code (q[i+1] − 32)·2^16 + q[i] − 32} and the pair multiply works on signed weights. |q − 32| ≤ 32 lets
     * four pair multiplies share one rounding shift (|Σ| ≤ 4·2·32·127 = 32 512 &lt; 2^15, the low halves' sum at most
     * 4·32·127) where 0..63 allowed two, and the offset needs no activation sums: per product about a fifth fewer
     * vector operations. One core, 2048×2048 matrices from L3 (512-bit kernels, alternating JVMs): one vector
     * 32.6–38.5 → 37.1–44.8 G multiply-adds/s, four 34–37 → 42.6–47.5, eight 46–48 → 53.5–56.5.
     */
    private static void putCentredPair(byte[] quants, int at, int[] q, int i) {
        int lo = q[i] - 32, hi = q[i + 1] - 32;
        quants[at] = (byte) lo;
        quants[at + 1] = (byte) (lo < 0 ? hi - 1 : hi);
    }

    /**
     * The wide layout pairs super-blocks {@code 2m, 2m+1} as Q4_K's does: each 16-byte slice widened to 32 bytes
     * holding, per row r, 2m's two values then 2m+1's. In the order the kernel reads them: {@code d} as 16 half
     * floats, then per group k its 8 slices and the 16 lanes' scales. (With the scales and {@code d} after all
     * the values, read back and forth within a unit, a pass over the 1B Q4_K_M's Q6_K matrices took 29–33 ms on one
     * core instead of ~see README.) An odd last super-block pairs with zeros.
     */
    private void packGroupWide(RowGroups out, int g) {
        int[] q = new int[BLOCK];
        forEachWideBlock(out, g, WIDE_UNIT_BYTES, (quants, base, lane, src, at) -> {
            quants[base + 2 * lane] = src[at + 208]; // d: the file's half float, widened in the kernel
            quants[base + 1 + 2 * lane] = src[at + 209];
            values(MemorySegment.ofArray(src), at, q);
            for (int k = 0; k < 16; k++) {
                quants[base + 32 + 272 * k + 256 + lane] = src[at + 192 + k];
                for (int p = 0; p < 8; p++) putCentredPair(quants, base + 32 + 272 * k + 32 * p + 2 * lane, q, 16 * k + 2 * p);
            }
        });
    }

    @Override
    void prepareGroupActivations(Q8Activations x) {
        if (WIDE) {
            x.paired(8);
            return;
        }
        x.pairs();
    }

    @Override
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        if (WIDE) {
            Q8Activations.Paired p = x.paired(8);
            wideKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, p.pairs(), p.d(), out, lanes);
            return;
        }
        groupKernel(gs, g, unitIndex(g, m0), m0, m1, x.pairs(), x.d, out);
    }

    /** On 512-bit vectors: {@link #wideKernelTwo}. */
    @Override
    boolean twoGroupKernel() {
        return WIDE;
    }

    @Override
    void groupDotTwo(RowGroups gs, int g, int h, int m0, int m1, Q8Activations x, float[] lanes) {
        Q8Activations.Paired p = x.paired(8);
        wideKernelTwo(gs.quants(), unitIndex(g, m0), unitIndex(h, m0), m0, m1, p.pairs(), p.d(), lanes);
    }

    /**
     * {@link #wideKernel} for two groups at once (units from {@code unitA} and {@code unitB}), each activation pair
     * broadcast once for both; per group the same arithmetic in the same order, so the results are {@link #wideKernel}'s.
     */
    private static void wideKernelTwo(byte[] qs, int unitA, int unitB, int m0, int m1, long[] xp, long[] xd, float[] lanes) {
        FloatVector accA = FloatVector.zero(F16), accB = accA;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, ua = unitA, ub = unitB; m < m1; m++, ua++, ub++) {
            int baseA = ua * WIDE_UNIT_BYTES, baseB = ub * WIDE_UNIT_BYTES;
            FloatVector sdA = FloatVector.zero(F16), sdB = sdA;
            for (int k = 0; k < 16; k++) {
                int qa = baseA + 32 + 272 * k, qb = baseB + 32 + 272 * k;
                int xi = m * 128 + 8 * k;
                IntVector t0A = bias, t1A = bias, t0B = bias, t1B = bias;
                for (int p = 0; p < 4; p++) {
                    IntVector x0 = LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts();
                    IntVector x1 = LongVector.broadcast(L8, xp[xi + p + 4]).reinterpretAsInts();
                    IntVector wA = ((ShortVector) ByteVector.fromArray(B32, qs, qa + 32 * p).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    IntVector vA = ((ShortVector) ByteVector.fromArray(B32, qs, qa + 32 * p + 128).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    IntVector wB = ((ShortVector) ByteVector.fromArray(B32, qs, qb + 32 * p).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    IntVector vB = ((ShortVector) ByteVector.fromArray(B32, qs, qb + 32 * p + 128).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    t0A = t0A.add(wA.mul(x0));
                    t1A = t1A.add(vA.mul(x1));
                    t0B = t0B.add(wB.mul(x0));
                    t1B = t1B.add(vB.mul(x1));
                }
                FloatVector dx = LongVector.broadcast(L8, xd[m * 8 + k / 2]).reinterpretAsFloats();
                IntVector scaleA = (IntVector) ByteVector.fromArray(B16, qs, qa + 256).convertShape(VectorOperators.B2I, I16, 0);
                IntVector sumA = t0A.lanewise(ASHR, 16).add(t1A.lanewise(ASHR, 16)).mul(scaleA);
                sdA = ((FloatVector) sumA.convertShape(I2F, F16, 0)).fma(dx, sdA);
                IntVector scaleB = (IntVector) ByteVector.fromArray(B16, qs, qb + 256).convertShape(VectorOperators.B2I, I16, 0);
                IntVector sumB = t0B.lanewise(ASHR, 16).add(t1B.lanewise(ASHR, 16)).mul(scaleB);
                sdB = ((FloatVector) sumB.convertShape(I2F, F16, 0)).fma(dx, sdB);
            }
            IntVector hdA = (IntVector) ByteVector.fromArray(B32, qs, baseA).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            accA = sdA.fma(hdA.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS), accA);
            IntVector hdB = (IntVector) ByteVector.fromArray(B32, qs, baseB).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            accB = sdB.fma(hdB.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS), accB);
        }
        accA.intoArray(lanes, 0);
        accB.intoArray(lanes, 16);
    }

    /** On AVX-512, four vectors per pass ({@link #wideKernel4}) or one, as the {@link KernelRace} finds faster. */
    @Override
    int batchWidth() {
        return WIDE ? 4 : 1;
    }

    /**
     * Decode batches below 32 vectors take the row groups ({@link #batchWidth}; on AVX2 one vector at a time);
     * prompt chunks the float kernels. See {@link Tensor#groupedBatchLimit}.
     */
    @Override
    int groupedBatchLimit() {
        return 32;
    }

    @Override
    void groupDot4(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        if (!WIDE) {
            super.groupDot4(gs, g, m0, m1, xs, i, outs, lanes);
            return;
        }
        Q8Activations.Batch b = batch(xs, i, 4);
        wideKernel4(gs.quants(), g, unitIndex(g, m0), m0, m1, b.pairs(), b.d(), outs[i], outs[i + 1], outs[i + 2], outs[i + 3], lanes);
    }

    /** The four-vector kernel reads its vectors interleaved (see {@link Q8Activations.Batch}). */
    @Override
    Function<Q8Activations, Q8Activations.Paired> batchForm() {
        return WIDE ? Q8Activations.SUPER_BLOCKS : null;
    }

    /** {@link #wideKernel} for four vectors, each slice widened once: per vector exactly the single kernel's arithmetic. */
    private static void wideKernel4(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd,
            float[] out0, float[] out1, float[] out2, float[] out3, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F16), a1 = a0, a2 = a0, a3 = a0;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, unit = unit0; m < m1; m++, unit++) {
            int base = unit * WIDE_UNIT_BYTES;
            FloatVector sd0 = FloatVector.zero(F16), sd1 = sd0, sd2 = sd0, sd3 = sd0;
            for (int k = 0; k < 16; k++) {
                int q = base + 32 + 272 * k;
                int xi = m * 128 + 8 * k;
                IntVector t0 = bias, t1 = bias, t2 = bias, t3 = bias, u0 = bias, u1 = bias, u2 = bias, u3 = bias;
                for (int p = 0; p < 4; p++) {
                    IntVector w = ((ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    IntVector v = ((ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p + 128).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    int a = 4 * (xi + p), b = a + 16;
                    t0 = t0.add(w.mul(LongVector.broadcast(L8, xp[a]).reinterpretAsInts()));
                    u0 = u0.add(v.mul(LongVector.broadcast(L8, xp[b]).reinterpretAsInts()));
                    t1 = t1.add(w.mul(LongVector.broadcast(L8, xp[a + 1]).reinterpretAsInts()));
                    u1 = u1.add(v.mul(LongVector.broadcast(L8, xp[b + 1]).reinterpretAsInts()));
                    t2 = t2.add(w.mul(LongVector.broadcast(L8, xp[a + 2]).reinterpretAsInts()));
                    u2 = u2.add(v.mul(LongVector.broadcast(L8, xp[b + 2]).reinterpretAsInts()));
                    t3 = t3.add(w.mul(LongVector.broadcast(L8, xp[a + 3]).reinterpretAsInts()));
                    u3 = u3.add(v.mul(LongVector.broadcast(L8, xp[b + 3]).reinterpretAsInts()));
                }
                IntVector scale = (IntVector) ByteVector.fromArray(B16, qs, q + 256).convertShape(VectorOperators.B2I, I16, 0);
                int dk = 4 * (m * 8 + k / 2);
                sd0 = ((FloatVector) t0.lanewise(ASHR, 16).add(u0.lanewise(ASHR, 16)).mul(scale).convertShape(I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[dk]).reinterpretAsFloats(), sd0);
                sd1 = ((FloatVector) t1.lanewise(ASHR, 16).add(u1.lanewise(ASHR, 16)).mul(scale).convertShape(I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[dk + 1]).reinterpretAsFloats(), sd1);
                sd2 = ((FloatVector) t2.lanewise(ASHR, 16).add(u2.lanewise(ASHR, 16)).mul(scale).convertShape(I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[dk + 2]).reinterpretAsFloats(), sd2);
                sd3 = ((FloatVector) t3.lanewise(ASHR, 16).add(u3.lanewise(ASHR, 16)).mul(scale).convertShape(I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[dk + 3]).reinterpretAsFloats(), sd3);
            }
            IntVector hd = (IntVector) ByteVector.fromArray(B32, qs, base).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hd.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            a0 = sd0.fma(d, a0);
            a1 = sd1.fma(d, a1);
            a2 = sd2.fma(d, a2);
            a3 = sd3.fma(d, a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 16);
        a2.intoArray(lanes, 32);
        a3.intoArray(lanes, 48);
        addLanePairs(lanes, 0, out0, out1, out2, out3, g * GROUP);
    }

    /** {@link #groupKernel} on 512-bit vectors, two super-blocks per vector (see {@link #packGroupWide}). */
    private static void wideKernel(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd, float[] out, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16);
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, unit = unit0; m < m1; m++, unit++) {
            int base = unit * WIDE_UNIT_BYTES;
            FloatVector sd = FloatVector.zero(F16);
            for (int k = 0; k < 16; k++) {
                int q = base + 32 + 272 * k;
                int xi = m * 128 + 8 * k;
                IntVector t0 = bias, t1 = bias;
                for (int p = 0; p < 4; p++) {
                    IntVector w = ((ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    IntVector v = ((ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p + 128).convertShape(B2S, S32, 0)).reinterpretAsInts();
                    t0 = t0.add(w.mul(LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts()));
                    t1 = t1.add(v.mul(LongVector.broadcast(L8, xp[xi + p + 4]).reinterpretAsInts()));
                }
                IntVector scale = (IntVector) ByteVector.fromArray(B16, qs, q + 256).convertShape(VectorOperators.B2I, I16, 0);
                IntVector sum = t0.lanewise(ASHR, 16).add(t1.lanewise(ASHR, 16)).mul(scale);
                sd = ((FloatVector) sum.convertShape(I2F, F16, 0)).fma(LongVector.broadcast(L8, xd[m * 8 + k / 2]).reinterpretAsFloats(), sd);
            }
            IntVector hd = (IntVector) ByteVector.fromArray(B32, qs, base).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hd.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = sd.fma(d, acc);
        }
        acc.intoArray(lanes, 0);
        addLanePairs(lanes, 0, out, g * GROUP);
    }

    /**
     * Rows {@code 8g..8g+7} times one activation vector, a row per lane, with Q4_0's pair multiplies (see there) on
     * the centred values ({@link #putCentredPair}), four per rounding shift; then the group's 8-bit scale in integers
     * (|Σ (q−32)·x| ≤ 16·32·127, times 128 still below 2^24, so exact as a float), {@code d} once per super-block.
     */
    private static void groupKernel(RowGroups gs, int g, int unit0, int m0, int m1, int[] xp, float[] xd, float[] out) {
        byte[] qs = gs.quants();
        float[] sc = gs.scales();
        FloatVector acc = FloatVector.zero(F8);
        IntVector bias = IntVector.broadcast(I, 0x8000);
        for (int b = m0, unit = unit0; b < m1; b++, unit++) {
            FloatVector sd = FloatVector.zero(F8);
            for (int k = 0; k < 16; k++) {
                int q = unit * GROUP_BYTES + 136 * k;
                int xi = b * 128 + 8 * k; // pair index of element 16k
                IntVector t0 = bias, t1 = bias;
                for (int p = 0; p < 4; p++) {
                    IntVector w = ((ShortVector) ByteVector.fromArray(B16, qs, q + 16 * p).convertShape(B2S, S, 0)).reinterpretAsInts();
                    IntVector v = ((ShortVector) ByteVector.fromArray(B16, qs, q + 16 * p + 64).convertShape(B2S, S, 0)).reinterpretAsInts();
                    t0 = t0.add(w.mul(xp[xi + p]));
                    t1 = t1.add(v.mul(xp[xi + p + 4]));
                }
                IntVector scale = (IntVector) ByteVector.fromArray(B8, qs, q + 128).convertShape(VectorOperators.B2I, I, 0);
                IntVector sum = t0.lanewise(ASHR, 16).add(t1.lanewise(ASHR, 16)).mul(scale);
                sd = ((FloatVector) sum.convertShape(I2F, F8, 0)).fma(FloatVector.broadcast(F8, xd[b * 8 + k / 2]), sd);
            }
            acc = sd.fma(FloatVector.fromArray(F8, sc, unit * GROUP), acc);
        }
        acc.add(FloatVector.fromArray(F8, out, g * GROUP)).intoArray(out, g * GROUP);
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs, i, outs);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    /**
     * Σ over 16-element groups of d·scale·dx·Σ((q−32)·xq). The 6-bit values are rebuilt on 16-bit lanes and the
     * offset subtracted before multiplying: |(q−32)·xq| ≤ 32·127, so the pair of products in each 32-bit lane
     * fits in 16 bits, and {@code (v + (v << 16)) >> 16} leaves their sum. Each chunk of 16 positions {@code l}
     * yields four groups (one per 32-element quarter of the half super-block); they are summed two by two before
     * the accumulator, so the dependency chain has one add per chunk. Everything is written inline: helper
     * methods this size are not inlined by C2, and a vector passed to a call is boxed. (Two variants measured 10%
     * faster each in a micro-benchmark — coefficients four at a time through a small float array, and unpacking
     * 32 positions at once on bytes — but in the engine they made generation bimodal, 4 or 8 tokens/s from one JVM
     * run to the next; this form gave 7.2–7.5 every time.)
     */
    private float dot1(int row, Q8Activations x) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at + 208);
            long scLo = data.get(I64_LE, at + 192), scHi = data.get(I64_LE, at + 200);
            for (int h = 0; h < 2; h++) {
                long sc = h == 0 ? scLo : scHi;
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    long ql = at + 64 * h + l0;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql, LE).convertShape(B2S, S, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql + 32, LE).convertShape(B2S, S, 0);
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 128 + 32 * h + l0, LE).convertShape(B2S, S, 0);
                    ShortVector q1 = a.and((short) 0x0f).or(hb.and((short) 0x03).lanewise(LSHL, 4)).sub((short) 32);
                    ShortVector q2 = c.and((short) 0x0f).or(hb.and((short) 0x0c).lanewise(LSHL, 2)).sub((short) 32);
                    ShortVector q3 = a.lanewise(ASHR, 4).and((short) 0x0f).or(hb.and((short) 0x30)).sub((short) 32);
                    ShortVector q4 = c.lanewise(ASHR, 4).and((short) 0x0f).or(hb.lanewise(ASHR, 2).and((short) 0x30)).sub((short) 32);
                    int s = 8 * (l0 >> 4);
                    float ds1 = d * (byte) (sc >>> s), ds2 = d * (byte) (sc >>> (s + 16));
                    float ds3 = d * (byte) (sc >>> (s + 32)), ds4 = d * (byte) (sc >>> (s + 48));
                    int blk = b * 8 + 4 * h;
                    int xi = blk * 32 + l0;
                    IntVector p1 = q1.mul(ShortVector.fromArray(S, x.q, xi)).reinterpretAsInts();
                    IntVector p2 = q2.mul(ShortVector.fromArray(S, x.q, xi + 32)).reinterpretAsInts();
                    IntVector p3 = q3.mul(ShortVector.fromArray(S, x.q, xi + 64)).reinterpretAsInts();
                    IntVector p4 = q4.mul(ShortVector.fromArray(S, x.q, xi + 96)).reinterpretAsInts();
                    FloatVector f1 = (FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f2 = (FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f3 = (FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f4 = (FloatVector) p4.add(p4.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector t = f1.fma(FloatVector.broadcast(F8, ds1 * x.d[blk]), f2.mul(FloatVector.broadcast(F8, ds2 * x.d[blk + 1])));
                    FloatVector u = f3.fma(FloatVector.broadcast(F8, ds3 * x.d[blk + 2]), f4.mul(FloatVector.broadcast(F8, ds4 * x.d[blk + 3])));
                    acc = acc.add(t.add(u));
                }
            }
        }
        return acc.reduceLanes(ADD);
    }

    /** Four vectors per weight unpack; each vector's arithmetic is exactly {@link #dot1}'s (same text). */
    private void dot4(int row, Q8Activations[] xs, int o, float[][] outs) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        Q8Activations x0 = xs[o], x1 = xs[o + 1], x2 = xs[o + 2], x3 = xs[o + 3];
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at + 208);
            long scLo = data.get(I64_LE, at + 192), scHi = data.get(I64_LE, at + 200);
            for (int h = 0; h < 2; h++) {
                long sc = h == 0 ? scLo : scHi;
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    long ql = at + 64 * h + l0;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql, LE).convertShape(B2S, S, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql + 32, LE).convertShape(B2S, S, 0);
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 128 + 32 * h + l0, LE).convertShape(B2S, S, 0);
                    ShortVector q1 = a.and((short) 0x0f).or(hb.and((short) 0x03).lanewise(LSHL, 4)).sub((short) 32);
                    ShortVector q2 = c.and((short) 0x0f).or(hb.and((short) 0x0c).lanewise(LSHL, 2)).sub((short) 32);
                    ShortVector q3 = a.lanewise(ASHR, 4).and((short) 0x0f).or(hb.and((short) 0x30)).sub((short) 32);
                    ShortVector q4 = c.lanewise(ASHR, 4).and((short) 0x0f).or(hb.lanewise(ASHR, 2).and((short) 0x30)).sub((short) 32);
                    int s = 8 * (l0 >> 4);
                    float ds1 = d * (byte) (sc >>> s), ds2 = d * (byte) (sc >>> (s + 16));
                    float ds3 = d * (byte) (sc >>> (s + 32)), ds4 = d * (byte) (sc >>> (s + 48));
                    int blk = b * 8 + 4 * h;
                    int xi = blk * 32 + l0;
                    IntVector p1_0 = q1.mul(ShortVector.fromArray(S, x0.q, xi)).reinterpretAsInts();
                    IntVector p2_0 = q2.mul(ShortVector.fromArray(S, x0.q, xi + 32)).reinterpretAsInts();
                    IntVector p3_0 = q3.mul(ShortVector.fromArray(S, x0.q, xi + 64)).reinterpretAsInts();
                    IntVector p4_0 = q4.mul(ShortVector.fromArray(S, x0.q, xi + 96)).reinterpretAsInts();
                    FloatVector f1_0 = (FloatVector) p1_0.add(p1_0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f2_0 = (FloatVector) p2_0.add(p2_0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f3_0 = (FloatVector) p3_0.add(p3_0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f4_0 = (FloatVector) p4_0.add(p4_0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector t_0 = f1_0.fma(FloatVector.broadcast(F8, ds1 * x0.d[blk]), f2_0.mul(FloatVector.broadcast(F8, ds2 * x0.d[blk + 1])));
                    FloatVector u_0 = f3_0.fma(FloatVector.broadcast(F8, ds3 * x0.d[blk + 2]), f4_0.mul(FloatVector.broadcast(F8, ds4 * x0.d[blk + 3])));
                    acc0 = acc0.add(t_0.add(u_0));
                    IntVector p1_1 = q1.mul(ShortVector.fromArray(S, x1.q, xi)).reinterpretAsInts();
                    IntVector p2_1 = q2.mul(ShortVector.fromArray(S, x1.q, xi + 32)).reinterpretAsInts();
                    IntVector p3_1 = q3.mul(ShortVector.fromArray(S, x1.q, xi + 64)).reinterpretAsInts();
                    IntVector p4_1 = q4.mul(ShortVector.fromArray(S, x1.q, xi + 96)).reinterpretAsInts();
                    FloatVector f1_1 = (FloatVector) p1_1.add(p1_1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f2_1 = (FloatVector) p2_1.add(p2_1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f3_1 = (FloatVector) p3_1.add(p3_1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f4_1 = (FloatVector) p4_1.add(p4_1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector t_1 = f1_1.fma(FloatVector.broadcast(F8, ds1 * x1.d[blk]), f2_1.mul(FloatVector.broadcast(F8, ds2 * x1.d[blk + 1])));
                    FloatVector u_1 = f3_1.fma(FloatVector.broadcast(F8, ds3 * x1.d[blk + 2]), f4_1.mul(FloatVector.broadcast(F8, ds4 * x1.d[blk + 3])));
                    acc1 = acc1.add(t_1.add(u_1));
                    IntVector p1_2 = q1.mul(ShortVector.fromArray(S, x2.q, xi)).reinterpretAsInts();
                    IntVector p2_2 = q2.mul(ShortVector.fromArray(S, x2.q, xi + 32)).reinterpretAsInts();
                    IntVector p3_2 = q3.mul(ShortVector.fromArray(S, x2.q, xi + 64)).reinterpretAsInts();
                    IntVector p4_2 = q4.mul(ShortVector.fromArray(S, x2.q, xi + 96)).reinterpretAsInts();
                    FloatVector f1_2 = (FloatVector) p1_2.add(p1_2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f2_2 = (FloatVector) p2_2.add(p2_2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f3_2 = (FloatVector) p3_2.add(p3_2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f4_2 = (FloatVector) p4_2.add(p4_2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector t_2 = f1_2.fma(FloatVector.broadcast(F8, ds1 * x2.d[blk]), f2_2.mul(FloatVector.broadcast(F8, ds2 * x2.d[blk + 1])));
                    FloatVector u_2 = f3_2.fma(FloatVector.broadcast(F8, ds3 * x2.d[blk + 2]), f4_2.mul(FloatVector.broadcast(F8, ds4 * x2.d[blk + 3])));
                    acc2 = acc2.add(t_2.add(u_2));
                    IntVector p1_3 = q1.mul(ShortVector.fromArray(S, x3.q, xi)).reinterpretAsInts();
                    IntVector p2_3 = q2.mul(ShortVector.fromArray(S, x3.q, xi + 32)).reinterpretAsInts();
                    IntVector p3_3 = q3.mul(ShortVector.fromArray(S, x3.q, xi + 64)).reinterpretAsInts();
                    IntVector p4_3 = q4.mul(ShortVector.fromArray(S, x3.q, xi + 96)).reinterpretAsInts();
                    FloatVector f1_3 = (FloatVector) p1_3.add(p1_3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f2_3 = (FloatVector) p2_3.add(p2_3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f3_3 = (FloatVector) p3_3.add(p3_3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector f4_3 = (FloatVector) p4_3.add(p4_3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                    FloatVector t_3 = f1_3.fma(FloatVector.broadcast(F8, ds1 * x3.d[blk]), f2_3.mul(FloatVector.broadcast(F8, ds2 * x3.d[blk + 1])));
                    FloatVector u_3 = f3_3.fma(FloatVector.broadcast(F8, ds3 * x3.d[blk + 2]), f4_3.mul(FloatVector.broadcast(F8, ds4 * x3.d[blk + 3])));
                    acc3 = acc3.add(t_3.add(u_3));
                }
            }
        }
        outs[o][row] = acc0.reduceLanes(ADD);
        outs[o + 1][row] = acc1.reduceLanes(ADD);
        outs[o + 2][row] = acc2.reduceLanes(ADD);
        outs[o + 3][row] = acc3.reduceLanes(ADD);
    }

    /**
     * Vector unpacking for the prompt kernel ({@link Tensor#matmul} with many vectors): the same values as
     * {@link #dequantizeBlock}, {@code (d·scale)·(q − 32)} rounded the same way.
     */
    @Override
    void unpackRow(int row, float[] out) {
        if (!INT_OK) {
            super.unpackRow(row, out);
            return;
        }
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at + 208);
            for (int h = 0; h < 2; h++) {
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    long ql = at + 64 * h + l0;
                    ShortVector a = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql, LE).convertShape(B2S, S, 0);
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql + 32, LE).convertShape(B2S, S, 0);
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 128 + 32 * h + l0, LE).convertShape(B2S, S, 0);
                    ShortVector q1 = a.and((short) 0x0f).or(hb.and((short) 0x03).lanewise(LSHL, 4)).sub((short) 32);
                    ShortVector q2 = c.and((short) 0x0f).or(hb.and((short) 0x0c).lanewise(LSHL, 2)).sub((short) 32);
                    ShortVector q3 = a.lanewise(ASHR, 4).and((short) 0x0f).or(hb.and((short) 0x30)).sub((short) 32);
                    ShortVector q4 = c.lanewise(ASHR, 4).and((short) 0x0f).or(hb.lanewise(ASHR, 2).and((short) 0x30)).sub((short) 32);
                    long sc = at + 192 + 8 * h + (l0 >> 4);
                    int o = b * BLOCK + 128 * h + l0;
                    float s1 = d * data.get(I8, sc), s2 = d * data.get(I8, sc + 2);
                    float s3 = d * data.get(I8, sc + 4), s4 = d * data.get(I8, sc + 6);
                    if (WIDE) { // the wide kernels' float width, for one width per element type (see Q8Activations.F)
                        ((FloatVector) q1.convertShape(S2F, F16, 0)).mul(s1).intoArray(out, o);
                        ((FloatVector) q2.convertShape(S2F, F16, 0)).mul(s2).intoArray(out, o + 32);
                        ((FloatVector) q3.convertShape(S2F, F16, 0)).mul(s3).intoArray(out, o + 64);
                        ((FloatVector) q4.convertShape(S2F, F16, 0)).mul(s4).intoArray(out, o + 96);
                        continue;
                    }
                    ((FloatVector) q1.convertShape(S2F, F8, 0)).mul(s1).intoArray(out, o);
                    ((FloatVector) q1.convertShape(S2F, F8, 1)).mul(s1).intoArray(out, o + 8);
                    ((FloatVector) q2.convertShape(S2F, F8, 0)).mul(s2).intoArray(out, o + 32);
                    ((FloatVector) q2.convertShape(S2F, F8, 1)).mul(s2).intoArray(out, o + 40);
                    ((FloatVector) q3.convertShape(S2F, F8, 0)).mul(s3).intoArray(out, o + 64);
                    ((FloatVector) q3.convertShape(S2F, F8, 1)).mul(s3).intoArray(out, o + 72);
                    ((FloatVector) q4.convertShape(S2F, F8, 0)).mul(s4).intoArray(out, o + 96);
                    ((FloatVector) q4.convertShape(S2F, F8, 1)).mul(s4).intoArray(out, o + 104);
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
            float d = f16(data, at + 208);
            for (int n = 0; n < 2; n++) {
                long ql = at + 64 * n;
                long qh = at + 128 + 32 * n;
                long sc = at + 192 + 8 * n;
                int xn = xOff + b * BLOCK + 128 * n;
                for (int l = 0; l < 32; l += B.length()) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(B, data, ql + l, LE);
                    ByteVector c = ByteVector.fromMemorySegment(B, data, ql + l + 32, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, data, qh + l, LE);
                    ByteVector q1 = a.and((byte) 0x0f).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q2 = c.and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q4 = c.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 6).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    float s1 = d * data.get(I8, sc + is);
                    float s2 = d * data.get(I8, sc + is + 2);
                    float s3 = d * data.get(I8, sc + is + 4);
                    float s4 = d * data.get(I8, sc + is + 6);
                    for (int p = 0; p < PARTS; p++) {
                        int o = xn + l + p * F.length();
                        acc = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o)).fma(FloatVector.broadcast(F, s1), acc);
                        acc = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o + 32)).fma(FloatVector.broadcast(F, s2), acc);
                        acc = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o + 64)).fma(FloatVector.broadcast(F, s3), acc);
                        acc = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(FloatVector.fromArray(F, x, o + 96)).fma(FloatVector.broadcast(F, s4), acc);
                    }
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
