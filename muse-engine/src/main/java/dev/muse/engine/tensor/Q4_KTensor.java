package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Super-blocks of 256 (ggml's block_q4_K): half {@code d}, half {@code dmin}, 12 bytes of packed 6-bit scales and
 * mins for the eight 32-element groups, then 128 bytes of nibbles. Each 64 elements use 32 bytes: low nibbles for
 * the first group, high nibbles for the second. value = d·scale·q − dmin·min.
 */
public final class Q4_KTensor extends Tensor {
    static final int BLOCK = 256;
    static final int BYTES = 144;

    Q4_KTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    /** 6-bit scale ({@code min == false}) or min of group {@code j} from the 12 packed bytes at {@code sc}. */
    static int scaleMin(MemorySegment s, long sc, int j, boolean min) {
        if (j < 4) {
            return (s.get(I8, sc + j + (min ? 4 : 0)) & 0xff) & 63;
        }
        int b = s.get(I8, sc + j + 4) & 0xff;
        int hi = (s.get(I8, sc + j - (min ? 0 : 4)) & 0xff) >>> 6;
        return (min ? b >>> 4 : b & 0x0f) | (hi << 4);
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        float dmin = f16(data, at + 2);
        long sc = at + 4;
        long qs = at + 16;
        for (int g = 0; g < 4; g++) {
            float d1 = d * scaleMin(data, sc, 2 * g, false);
            float m1 = dmin * scaleMin(data, sc, 2 * g, true);
            float d2 = d * scaleMin(data, sc, 2 * g + 1, false);
            float m2 = dmin * scaleMin(data, sc, 2 * g + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = data.get(I8, qs + 32 * g + l) & 0xff;
                out[off + 64 * g + l] = d1 * (q & 0x0f) - m1;
                out[off + 64 * g + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    @Override
    boolean integerDot() {
        return true;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs, i, outs);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    /**
     * Row groups: per group and super-block, for each 64 elements 16 slices of 16 bytes and the 8 rows' 6-bit scales
     * and mins of its two groups as bytes (see {@link #packGroup}): 1024 + 128 bytes.
     */
    private static final int GROUP_BYTES = 4 * 256 + 2 * 64;

    /** The wide layout's bytes per super-block pair: the quants, scales and mins, then d and dmin as 32 half floats. */
    private static final int WIDE_UNIT_BYTES = 2 * GROUP_BYTES + 64;

    @Override
    int groupQuantBytes() {
        return WIDE ? WIDE_UNIT_BYTES / 2 : GROUP_BYTES;
    }

    /** Per group and super-block: the 8 rows' {@code d}, then their {@code dmin}. */
    @Override
    int groupScales() {
        return WIDE ? 0 : 2 * GROUP;
    }

    /**
     * For each 64 elements j and slice p &lt; 16: bytes {@code 32j + 2p, +1} of each row in turn — low nibbles are the
     * row's elements (64j + 2p, +1), high nibbles (64j + 32 + 2p, +1), followed by the rows' scales of groups 2j and
     * 2j+1 (byte {@code 288j + 256 + 8t + r}) and their mins ({@code 288j + 272 + 8t + r}), so the kernel reads
     * forwards; {@code d}, {@code dmin} as floats: 152 bytes per row and super-block against the file's 144
     * (decoding streams these bytes, so every one counts).
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
            int base = unit * GROUP_BYTES;
            for (int r = 0; r < GROUP; r++) {
                long at = ((long) (g * GROUP + r) * blocks + b) * BYTES;
                int a = (r * blocks + b) * BYTES;
                out.scales()[unit * 16 + r] = f16(src, a);
                out.scales()[unit * 16 + 8 + r] = f16(src, a + 2);
                for (int k = 0; k < 8; k++) {
                    out.quants()[base + 288 * (k / 2) + 256 + 8 * (k % 2) + r] = (byte) scaleMin(data, at + 4, k, false);
                    out.quants()[base + 288 * (k / 2) + 272 + 8 * (k % 2) + r] = (byte) scaleMin(data, at + 4, k, true);
                }
                for (int j = 0; j < 4; j++) {
                    for (int p = 0; p < 16; p++) {
                        int o = base + 288 * j + 16 * p + 2 * r;
                        out.quants()[o] = src[a + 16 + 32 * j + 2 * p];
                        out.quants()[o + 1] = src[a + 17 + 32 * j + 2 * p];
                    }
                }
            }
        }
    }

    /**
     * The wide layout pairs super-blocks {@code 2m, 2m+1}: the narrow layout's bytes, each 16-byte slice widened to
     * 32 bytes that hold, per row r, super-block 2m's two bytes then 2m+1's (so after widening 32-bit lane 2r is row
     * r in 2m, lane 2r+1 in 2m+1); the scale and min bytes likewise 16 per group k; {@code d} and {@code dmin} as 16
     * half floats each in the same lane order, in the same stream. All in the order the kernel reads it: {@code d},
     * {@code dmin}, then per 64 elements the slices, scales and mins (read back and forth, with the scales after
     * all the slices and {@code d} last, a pass over the 1B Q4_K_M's Q4_K matrices took 29.5–30.4 ms on one core
     * instead of 26.1–26.2). An odd last super-block pairs with zeros.
     */
    private void packGroupWide(RowGroups out, int g) {
        forEachWideBlock(out, g, WIDE_UNIT_BYTES, (quants, base, lane, src, at) -> {
            MemorySegment block = MemorySegment.ofArray(src);
            for (int i = 0; i < 2; i++) { // d, then dmin: the file's half floats, widened in the kernel
                quants[base + 2 * lane + i] = src[at + i];
                quants[base + 32 + 2 * lane + i] = src[at + 2 + i];
            }
            for (int k = 0; k < 8; k++) {
                quants[base + 64 + 576 * (k / 2) + 512 + 16 * (k % 2) + lane] = (byte) scaleMin(block, at + 4, k, false);
                quants[base + 64 + 576 * (k / 2) + 544 + 16 * (k % 2) + lane] = (byte) scaleMin(block, at + 4, k, true);
            }
            for (int j = 0; j < 4; j++) {
                for (int p = 0; p < 16; p++) {
                    int o = base + 64 + 576 * j + 32 * p + 2 * lane;
                    quants[o] = src[at + 16 + 32 * j + 2 * p];
                    quants[o + 1] = src[at + 17 + 32 * j + 2 * p];
                }
            }
        });
    }

    @Override
    void prepareGroupActivations(Q8Activations x) {
        if (WIDE) x.paired(8);
        else x.pairs();
    }

    @Override
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        if (WIDE) {
            Q8Activations.Paired p = x.paired(8);
            wideKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, p.pairs(), p.d(), p.ds(), out, lanes);
            return;
        }
        groupKernel(gs.quants(), gs.scales(), g, unitIndex(g, m0), m0, m1, x.pairs(), x.d, x.ds, out);
    }

    /** On 512-bit vectors: {@link #wideKernelTwo}. */
    @Override
    boolean twoGroupKernel() {
        return WIDE;
    }

    @Override
    void groupDotTwo(RowGroups gs, int g, int h, int m0, int m1, Q8Activations x, float[] lanes) {
        Q8Activations.Paired p = x.paired(8);
        wideKernelTwo(gs.quants(), unitIndex(g, m0), unitIndex(h, m0), m0, m1, p.pairs(), p.d(), p.ds(), lanes);
    }

    /**
     * {@link #wideKernel} for two groups at once (units from {@code unitA} and {@code unitB}), each activation pair
     * broadcast once for both; per group the same arithmetic in the same order, so the results are {@link #wideKernel}'s.
     */
    private static void wideKernelTwo(byte[] qs, int unitA, int unitB, int m0, int m1, long[] xp, long[] xd, long[] xds, float[] lanes) {
        FloatVector accA = FloatVector.zero(F16), accB = accA;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, ua = unitA, ub = unitB; m < m1; m++, ua++, ub++) {
            int baseA = ua * WIDE_UNIT_BYTES, baseB = ub * WIDE_UNIT_BYTES;
            FloatVector sdA = FloatVector.zero(F16), smA = sdA, sdB = sdA, smB = sdA;
            for (int j = 0; j < 4; j++) {
                int qa = baseA + 64 + 576 * j, qb = baseB + 64 + 576 * j;
                int xi = m * 128 + 32 * j;
                IntVector lo0A = bias, lo1A = bias, hi0A = bias, hi1A = bias, lo0B = bias, lo1B = bias, hi0B = bias, hi1B = bias;
                for (int p = 0; p < 8; p++) {
                    IntVector x0 = LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts();
                    IntVector x1 = LongVector.broadcast(L8, xp[xi + 8 + p]).reinterpretAsInts();
                    IntVector x2 = LongVector.broadcast(L8, xp[xi + 16 + p]).reinterpretAsInts();
                    IntVector x3 = LongVector.broadcast(L8, xp[xi + 24 + p]).reinterpretAsInts();
                    ShortVector wA = (ShortVector) ByteVector.fromArray(B32, qs, qa + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    ShortVector vA = (ShortVector) ByteVector.fromArray(B32, qs, qa + 256 + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    ShortVector wB = (ShortVector) ByteVector.fromArray(B32, qs, qb + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    ShortVector vB = (ShortVector) ByteVector.fromArray(B32, qs, qb + 256 + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    lo0A = lo0A.add(wA.and((short) 0x0f).reinterpretAsInts().mul(x0));
                    hi0A = hi0A.add(wA.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(x2));
                    lo1A = lo1A.add(vA.and((short) 0x0f).reinterpretAsInts().mul(x1));
                    hi1A = hi1A.add(vA.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(x3));
                    lo0B = lo0B.add(wB.and((short) 0x0f).reinterpretAsInts().mul(x0));
                    hi0B = hi0B.add(wB.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(x2));
                    lo1B = lo1B.add(vB.and((short) 0x0f).reinterpretAsInts().mul(x1));
                    hi1B = hi1B.add(vB.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(x3));
                }
                int k = m * 8 + 2 * j;
                FloatVector dLo = LongVector.broadcast(L8, xd[k]).reinterpretAsFloats(), dHi = LongVector.broadcast(L8, xd[k + 1]).reinterpretAsFloats();
                FloatVector dsLo = LongVector.broadcast(L8, xds[k]).reinterpretAsFloats(), dsHi = LongVector.broadcast(L8, xds[k + 1]).reinterpretAsFloats();
                IntVector sLoA = lo0A.lanewise(VectorOperators.ASHR, 16).add(lo1A.lanewise(VectorOperators.ASHR, 16));
                IntVector sHiA = hi0A.lanewise(VectorOperators.ASHR, 16).add(hi1A.lanewise(VectorOperators.ASHR, 16));
                int sa = qa + 512;
                IntVector scLoA = (IntVector) ByteVector.fromArray(B16, qs, sa).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                IntVector scHiA = (IntVector) ByteVector.fromArray(B16, qs, sa + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                FloatVector mLoA = (FloatVector) ByteVector.fromArray(B16, qs, sa + 32).convertShape(VectorOperators.B2F, F16, 0);
                FloatVector mHiA = (FloatVector) ByteVector.fromArray(B16, qs, sa + 48).convertShape(VectorOperators.B2F, F16, 0);
                sdA = ((FloatVector) sLoA.mul(scLoA).convertShape(VectorOperators.I2F, F16, 0)).fma(dLo, sdA);
                sdA = ((FloatVector) sHiA.mul(scHiA).convertShape(VectorOperators.I2F, F16, 0)).fma(dHi, sdA);
                smA = mLoA.fma(dsLo, smA);
                smA = mHiA.fma(dsHi, smA);
                IntVector sLoB = lo0B.lanewise(VectorOperators.ASHR, 16).add(lo1B.lanewise(VectorOperators.ASHR, 16));
                IntVector sHiB = hi0B.lanewise(VectorOperators.ASHR, 16).add(hi1B.lanewise(VectorOperators.ASHR, 16));
                int sb = qb + 512;
                IntVector scLoB = (IntVector) ByteVector.fromArray(B16, qs, sb).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                IntVector scHiB = (IntVector) ByteVector.fromArray(B16, qs, sb + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                FloatVector mLoB = (FloatVector) ByteVector.fromArray(B16, qs, sb + 32).convertShape(VectorOperators.B2F, F16, 0);
                FloatVector mHiB = (FloatVector) ByteVector.fromArray(B16, qs, sb + 48).convertShape(VectorOperators.B2F, F16, 0);
                sdB = ((FloatVector) sLoB.mul(scLoB).convertShape(VectorOperators.I2F, F16, 0)).fma(dLo, sdB);
                sdB = ((FloatVector) sHiB.mul(scHiB).convertShape(VectorOperators.I2F, F16, 0)).fma(dHi, sdB);
                smB = mLoB.fma(dsLo, smB);
                smB = mHiB.fma(dsHi, smB);
            }
            IntVector hdA = (IntVector) ByteVector.fromArray(B32, qs, baseA).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hmA = (IntVector) ByteVector.fromArray(B32, qs, baseA + 32).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector dA = hdA.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector dminA = hmA.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            accA = sdA.fma(dA, accA).sub(smA.mul(dminA));
            IntVector hdB = (IntVector) ByteVector.fromArray(B32, qs, baseB).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hmB = (IntVector) ByteVector.fromArray(B32, qs, baseB + 32).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector dB = hdB.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector dminB = hmB.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            accB = sdB.fma(dB, accB).sub(smB.mul(dminB));
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
     * On AVX-512, batches below 256 vectors (prompt chunks too) take the row groups ({@link #batchWidth}); on AVX2
     * decode batches below 32, one vector at a time. See {@link Tensor#groupedBatchLimit}.
     */
    @Override
    int groupedBatchLimit() {
        return WIDE ? 256 : 32;
    }

    @Override
    void groupDot4(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        if (!WIDE) {
            super.groupDot4(gs, g, m0, m1, xs, i, outs, lanes);
            return;
        }
        Q8Activations.Batch b = batch(xs, i, 4);
        wideKernel4(gs.quants(), g, unitIndex(g, m0), m0, m1, b.pairs(), b.d(), b.ds(), outs[i], outs[i + 1], outs[i + 2], outs[i + 3], lanes);
    }

    /** The four-vector kernel reads its vectors interleaved (see {@link Q8Activations.Batch}). */
    @Override
    Function<Q8Activations, Q8Activations.Paired> batchForm() {
        return WIDE ? Q8Activations.SUPER_BLOCKS : null;
    }

    /**
     * {@link #wideKernel} for four vectors: each slice widened and split once, the scale and min bytes unpacked once;
     * per vector exactly the single kernel's arithmetic.
     */
    private static void wideKernel4(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd, long[] xds,
            float[] out0, float[] out1, float[] out2, float[] out3, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F16), a1 = a0, a2 = a0, a3 = a0;
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, unit = unit0; m < m1; m++, unit++) {
            int base = unit * WIDE_UNIT_BYTES;
            FloatVector sd0 = FloatVector.zero(F16), sd1 = sd0, sd2 = sd0, sd3 = sd0, sm0 = sd0, sm1 = sd0, sm2 = sd0, sm3 = sd0;
            for (int j = 0; j < 4; j++) {
                int q = base + 64 + 576 * j;
                int xi = m * 128 + 32 * j;
                IntVector l00 = bias, l01 = bias, h00 = bias, h01 = bias, l10 = bias, l11 = bias, h10 = bias, h11 = bias;
                IntVector l20 = bias, l21 = bias, h20 = bias, h21 = bias, l30 = bias, l31 = bias, h30 = bias, h31 = bias;
                for (int p = 0; p < 8; p++) {
                    ShortVector w = (ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    ShortVector v = (ShortVector) ByteVector.fromArray(B32, qs, q + 256 + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    IntVector wl = w.and((short) 0x0f).reinterpretAsInts(), wh = w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts();
                    IntVector vl = v.and((short) 0x0f).reinterpretAsInts(), vh = v.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts();
                    int a = 4 * (xi + p), b = a + 64, c = a + 32, e = a + 96;
                    l00 = l00.add(wl.mul(LongVector.broadcast(L8, xp[a]).reinterpretAsInts()));
                    h00 = h00.add(wh.mul(LongVector.broadcast(L8, xp[b]).reinterpretAsInts()));
                    l01 = l01.add(vl.mul(LongVector.broadcast(L8, xp[c]).reinterpretAsInts()));
                    h01 = h01.add(vh.mul(LongVector.broadcast(L8, xp[e]).reinterpretAsInts()));
                    l10 = l10.add(wl.mul(LongVector.broadcast(L8, xp[a + 1]).reinterpretAsInts()));
                    h10 = h10.add(wh.mul(LongVector.broadcast(L8, xp[b + 1]).reinterpretAsInts()));
                    l11 = l11.add(vl.mul(LongVector.broadcast(L8, xp[c + 1]).reinterpretAsInts()));
                    h11 = h11.add(vh.mul(LongVector.broadcast(L8, xp[e + 1]).reinterpretAsInts()));
                    l20 = l20.add(wl.mul(LongVector.broadcast(L8, xp[a + 2]).reinterpretAsInts()));
                    h20 = h20.add(wh.mul(LongVector.broadcast(L8, xp[b + 2]).reinterpretAsInts()));
                    l21 = l21.add(vl.mul(LongVector.broadcast(L8, xp[c + 2]).reinterpretAsInts()));
                    h21 = h21.add(vh.mul(LongVector.broadcast(L8, xp[e + 2]).reinterpretAsInts()));
                    l30 = l30.add(wl.mul(LongVector.broadcast(L8, xp[a + 3]).reinterpretAsInts()));
                    h30 = h30.add(wh.mul(LongVector.broadcast(L8, xp[b + 3]).reinterpretAsInts()));
                    l31 = l31.add(vl.mul(LongVector.broadcast(L8, xp[c + 3]).reinterpretAsInts()));
                    h31 = h31.add(vh.mul(LongVector.broadcast(L8, xp[e + 3]).reinterpretAsInts()));
                }
                int k = 4 * (m * 8 + 2 * j), s = q + 512;
                IntVector scLo = (IntVector) ByteVector.fromArray(B16, qs, s).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                IntVector scHi = (IntVector) ByteVector.fromArray(B16, qs, s + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                FloatVector mLo = (FloatVector) ByteVector.fromArray(B16, qs, s + 32).convertShape(VectorOperators.B2F, F16, 0);
                FloatVector mHi = (FloatVector) ByteVector.fromArray(B16, qs, s + 48).convertShape(VectorOperators.B2F, F16, 0);
                sd0 = ((FloatVector) l00.lanewise(VectorOperators.ASHR, 16).add(l01.lanewise(VectorOperators.ASHR, 16)).mul(scLo).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k]).reinterpretAsFloats(), sd0);
                sd0 = ((FloatVector) h00.lanewise(VectorOperators.ASHR, 16).add(h01.lanewise(VectorOperators.ASHR, 16)).mul(scHi).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 4]).reinterpretAsFloats(), sd0);
                sm0 = mLo.fma(LongVector.broadcast(L8, xds[k]).reinterpretAsFloats(), sm0);
                sm0 = mHi.fma(LongVector.broadcast(L8, xds[k + 4]).reinterpretAsFloats(), sm0);
                sd1 = ((FloatVector) l10.lanewise(VectorOperators.ASHR, 16).add(l11.lanewise(VectorOperators.ASHR, 16)).mul(scLo).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 1]).reinterpretAsFloats(), sd1);
                sd1 = ((FloatVector) h10.lanewise(VectorOperators.ASHR, 16).add(h11.lanewise(VectorOperators.ASHR, 16)).mul(scHi).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 4 + 1]).reinterpretAsFloats(), sd1);
                sm1 = mLo.fma(LongVector.broadcast(L8, xds[k + 1]).reinterpretAsFloats(), sm1);
                sm1 = mHi.fma(LongVector.broadcast(L8, xds[k + 4 + 1]).reinterpretAsFloats(), sm1);
                sd2 = ((FloatVector) l20.lanewise(VectorOperators.ASHR, 16).add(l21.lanewise(VectorOperators.ASHR, 16)).mul(scLo).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 2]).reinterpretAsFloats(), sd2);
                sd2 = ((FloatVector) h20.lanewise(VectorOperators.ASHR, 16).add(h21.lanewise(VectorOperators.ASHR, 16)).mul(scHi).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 4 + 2]).reinterpretAsFloats(), sd2);
                sm2 = mLo.fma(LongVector.broadcast(L8, xds[k + 2]).reinterpretAsFloats(), sm2);
                sm2 = mHi.fma(LongVector.broadcast(L8, xds[k + 4 + 2]).reinterpretAsFloats(), sm2);
                sd3 = ((FloatVector) l30.lanewise(VectorOperators.ASHR, 16).add(l31.lanewise(VectorOperators.ASHR, 16)).mul(scLo).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 3]).reinterpretAsFloats(), sd3);
                sd3 = ((FloatVector) h30.lanewise(VectorOperators.ASHR, 16).add(h31.lanewise(VectorOperators.ASHR, 16)).mul(scHi).convertShape(VectorOperators.I2F, F16, 0))
                        .fma(LongVector.broadcast(L8, xd[k + 4 + 3]).reinterpretAsFloats(), sd3);
                sm3 = mLo.fma(LongVector.broadcast(L8, xds[k + 3]).reinterpretAsFloats(), sm3);
                sm3 = mHi.fma(LongVector.broadcast(L8, xds[k + 4 + 3]).reinterpretAsFloats(), sm3);
            }
            IntVector hd = (IntVector) ByteVector.fromArray(B32, qs, base).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hm = (IntVector) ByteVector.fromArray(B32, qs, base + 32).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hd.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector dmin = hm.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            a0 = sd0.fma(d, a0).sub(sm0.mul(dmin));
            a1 = sd1.fma(d, a1).sub(sm1.mul(dmin));
            a2 = sd2.fma(d, a2).sub(sm2.mul(dmin));
            a3 = sd3.fma(d, a3).sub(sm3.mul(dmin));
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 16);
        a2.intoArray(lanes, 32);
        a3.intoArray(lanes, 48);
        addLanePairs(lanes, 0, out0, out1, out2, out3, g * GROUP);
    }

    /** {@link #groupKernel} on 512-bit vectors, two super-blocks per vector (see {@link #packGroupWide}). */
    private static void wideKernel(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd, long[] xds, float[] out, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16);
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, unit = unit0; m < m1; m++, unit++) {
            int base = unit * WIDE_UNIT_BYTES;
            FloatVector sd = FloatVector.zero(F16), sm = sd;
            for (int j = 0; j < 4; j++) {
                int q = base + 64 + 576 * j;
                int xi = m * 128 + 32 * j;
                IntVector lo0 = bias, lo1 = bias, hi0 = bias, hi1 = bias;
                for (int p = 0; p < 8; p++) {
                    ShortVector w = (ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    ShortVector v = (ShortVector) ByteVector.fromArray(B32, qs, q + 256 + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    lo0 = lo0.add(w.and((short) 0x0f).reinterpretAsInts().mul(LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts()));
                    hi0 = hi0.add(w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(LongVector.broadcast(L8, xp[xi + 16 + p]).reinterpretAsInts()));
                    lo1 = lo1.add(v.and((short) 0x0f).reinterpretAsInts().mul(LongVector.broadcast(L8, xp[xi + 8 + p]).reinterpretAsInts()));
                    hi1 = hi1.add(v.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(LongVector.broadcast(L8, xp[xi + 24 + p]).reinterpretAsInts()));
                }
                IntVector sLo = lo0.lanewise(VectorOperators.ASHR, 16).add(lo1.lanewise(VectorOperators.ASHR, 16));
                IntVector sHi = hi0.lanewise(VectorOperators.ASHR, 16).add(hi1.lanewise(VectorOperators.ASHR, 16));
                int k = m * 8 + 2 * j, s = q + 512;
                IntVector scLo = (IntVector) ByteVector.fromArray(B16, qs, s).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                IntVector scHi = (IntVector) ByteVector.fromArray(B16, qs, s + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                FloatVector mLo = (FloatVector) ByteVector.fromArray(B16, qs, s + 32).convertShape(VectorOperators.B2F, F16, 0);
                FloatVector mHi = (FloatVector) ByteVector.fromArray(B16, qs, s + 48).convertShape(VectorOperators.B2F, F16, 0);
                sd = ((FloatVector) sLo.mul(scLo).convertShape(VectorOperators.I2F, F16, 0)).fma(LongVector.broadcast(L8, xd[k]).reinterpretAsFloats(), sd);
                sd = ((FloatVector) sHi.mul(scHi).convertShape(VectorOperators.I2F, F16, 0)).fma(LongVector.broadcast(L8, xd[k + 1]).reinterpretAsFloats(), sd);
                sm = mLo.fma(LongVector.broadcast(L8, xds[k]).reinterpretAsFloats(), sm);
                sm = mHi.fma(LongVector.broadcast(L8, xds[k + 1]).reinterpretAsFloats(), sm);
            }
            IntVector hd = (IntVector) ByteVector.fromArray(B32, qs, base).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hm = (IntVector) ByteVector.fromArray(B32, qs, base + 32).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector d = hd.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector dmin = hm.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = sd.fma(d, acc).sub(sm.mul(dmin));
        }
        acc.intoArray(lanes, 0);
        addLanePairs(lanes, 0, out, g * GROUP);
    }

    /**
     * Rows {@code 8g..8g+7} times one activation vector, a row per lane: Q4_0's pair multiplies (see there), per
     * 32-element group two sums of eight, times the group's 6-bit scale in integers (≤ 32·15·127·63 &lt; 2^24, so
     * exact as a float); the minimum through the activations' block sum; {@code d} and {@code dmin} once per
     * super-block.
     */
    private static void groupKernel(byte[] qs, float[] dd, int g, int unit0, int m0, int m1, int[] xp, float[] xd, float[] xds, float[] out) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = m0, unit = unit0; b < m1; b++, unit++) {
            int base = unit * GROUP_BYTES;
            FloatVector sd = FloatVector.zero(F8), sm = sd;
            for (int j = 0; j < 4; j++) {
                int q = base + 288 * j;
                int xi = b * 128 + 32 * j; // pair index of element 64j: low nibbles pair with xi.., high with xi+16..
                IntVector lo0 = IntVector.zero(I), lo1 = lo0, hi0 = lo0, hi1 = lo0;
                for (int p = 0; p < 8; p++) {
                    ShortVector w = (ShortVector) ByteVector.fromArray(B16, qs, q + 16 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector v = (ShortVector) ByteVector.fromArray(B16, qs, q + 128 + 16 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo0 = lo0.add(w.and((short) 0x0f).reinterpretAsInts().mul(xp[xi + p]));
                    hi0 = hi0.add(w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(xp[xi + 16 + p]));
                    lo1 = lo1.add(v.and((short) 0x0f).reinterpretAsInts().mul(xp[xi + 8 + p]));
                    hi1 = hi1.add(v.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().mul(xp[xi + 24 + p]));
                }
                IntVector sLo = lo0.add(0x8000).lanewise(VectorOperators.ASHR, 16).add(lo1.add(0x8000).lanewise(VectorOperators.ASHR, 16));
                IntVector sHi = hi0.add(0x8000).lanewise(VectorOperators.ASHR, 16).add(hi1.add(0x8000).lanewise(VectorOperators.ASHR, 16));
                int k = b * 8 + 2 * j, s = q + 256;
                IntVector scLo = (IntVector) ByteVector.fromArray(B8, qs, s).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector scHi = (IntVector) ByteVector.fromArray(B8, qs, s + 8).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector mLo = (IntVector) ByteVector.fromArray(B8, qs, s + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector mHi = (IntVector) ByteVector.fromArray(B8, qs, s + 24).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                sd = ((FloatVector) sLo.mul(scLo).convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, xd[k]), sd);
                sd = ((FloatVector) sHi.mul(scHi).convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, xd[k + 1]), sd);
                sm = ((FloatVector) mLo.convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, xds[k]), sm);
                sm = ((FloatVector) mHi.convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, xds[k + 1]), sm);
            }
            acc = sd.fma(FloatVector.fromArray(F8, dd, unit * 16), acc).sub(sm.mul(FloatVector.fromArray(F8, dd, unit * 16 + 8)));
        }
        acc.add(FloatVector.fromArray(F8, out, g * GROUP)).intoArray(out, g * GROUP);
    }

    /**
     * Σ over the 32-element groups of d·scale·dx·Σ(q·xq) − dmin·min·dx·Σxq: nibbles times the 8-bit activations in
     * integers, each group's minimum through the activations' block sums. A super-block's eight scales and mins are
     * unpacked into vectors at once (scalar unpacking per group cost as much as the products).
     */
    private float dot1(int row, Q8Activations x) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector accLo = FloatVector.zero(F8), accHi = accLo, minAcc = accLo;
        float[] mul = new float[8];
        short[] xq = x.q;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at);
            float dmin = f16(data, at + 2);
            long lo = data.get(I64_LE, at + 4);
            int hi = data.get(I32_LE, at + 12);
            int lo0 = (int) lo, lo1 = (int) (lo >>> 32);
            FloatVector sc = scales(lo0 & 0x3f3f3f3f, (hi & 0x0f0f0f0f) | ((lo0 >>> 2) & 0x30303030)).mul(d);
            FloatVector mn = scales(lo1 & 0x3f3f3f3f, ((hi >>> 4) & 0x0f0f0f0f) | ((lo1 >>> 2) & 0x30303030)).mul(dmin);
            sc.mul(FloatVector.fromArray(F8, x.d, b * 8)).intoArray(mul, 0);
            minAcc = mn.fma(FloatVector.fromArray(F8, x.ds, b * 8), minAcc);
            for (int g = 0; g < 4; g++) {
                int xi = (b * 8 + 2 * g) * 32;
                long qa = at + 16 + 32 * g;
                ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qa, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qa + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector l0 = w0.and((short) 0x0f), l1 = w1.and((short) 0x0f);
                ShortVector h0 = w0.lanewise(VectorOperators.LSHR, 4), h1 = w1.lanewise(VectorOperators.LSHR, 4);
                IntVector pl = l0.mul(ShortVector.fromArray(S, xq, xi)).add(l1.mul(ShortVector.fromArray(S, xq, xi + 16))).reinterpretAsInts();
                IntVector ph = h0.mul(ShortVector.fromArray(S, xq, xi + 32)).add(h1.mul(ShortVector.fromArray(S, xq, xi + 48))).reinterpretAsInts();
                accLo = ((FloatVector) pl.lanewise(VectorOperators.ASHR, 16).add(pl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, mul[2 * g]), accLo);
                accHi = ((FloatVector) ph.lanewise(VectorOperators.ASHR, 16).add(ph.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, mul[2 * g + 1]), accHi);
            }
        }
        return accLo.add(accHi).reduceLanes(VectorOperators.ADD) - minAcc.reduceLanes(VectorOperators.ADD);
    }

    /** Four vectors, two per pass over the row's weights; each vector's arithmetic is exactly {@link #dot1}'s. */
    private void dot4(int row, Q8Activations[] xs, int o, float[][] outs) {
        int blocks = cols / BLOCK;
        long at0 = (long) row * blocks * BYTES;
        float[] mulX = new float[8], mulY = new float[8];
        for (int k = 0; k < 4; k += 2) {
            // two vectors per pass keep the accumulators and the unpacked nibbles in registers
            Q8Activations x = xs[o + k], y = xs[o + k + 1];
            short[] xq = x.q, yq = y.q;
            FloatVector xLo = FloatVector.zero(F8), xHi = xLo, xMin = xLo, yLo = xLo, yHi = xLo, yMin = xLo;
            long at = at0;
            for (int b = 0; b < blocks; b++, at += BYTES) {
                float d = f16(data, at);
                float dmin = f16(data, at + 2);
                long lo = data.get(I64_LE, at + 4);
                int hi = data.get(I32_LE, at + 12);
                int lo0 = (int) lo, lo1 = (int) (lo >>> 32);
                FloatVector sc = scales(lo0 & 0x3f3f3f3f, (hi & 0x0f0f0f0f) | ((lo0 >>> 2) & 0x30303030)).mul(d);
                FloatVector mn = scales(lo1 & 0x3f3f3f3f, ((hi >>> 4) & 0x0f0f0f0f) | ((lo1 >>> 2) & 0x30303030)).mul(dmin);
                sc.mul(FloatVector.fromArray(F8, x.d, b * 8)).intoArray(mulX, 0);
                sc.mul(FloatVector.fromArray(F8, y.d, b * 8)).intoArray(mulY, 0);
                xMin = mn.fma(FloatVector.fromArray(F8, x.ds, b * 8), xMin);
                yMin = mn.fma(FloatVector.fromArray(F8, y.ds, b * 8), yMin);
                for (int g = 0; g < 4; g++) {
                    int xi = (b * 8 + 2 * g) * 32;
                    long qa = at + 16 + 32 * g;
                    ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qa, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qa + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector l0 = w0.and((short) 0x0f), l1 = w1.and((short) 0x0f);
                    ShortVector h0 = w0.lanewise(VectorOperators.LSHR, 4), h1 = w1.lanewise(VectorOperators.LSHR, 4);
                    IntVector pxLo = l0.mul(ShortVector.fromArray(S, xq, xi)).add(l1.mul(ShortVector.fromArray(S, xq, xi + 16))).reinterpretAsInts();
                    xLo = ((FloatVector) pxLo.lanewise(VectorOperators.ASHR, 16).add(pxLo.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, mulX[2 * g]), xLo);
                    IntVector pxHi = h0.mul(ShortVector.fromArray(S, xq, xi + 32)).add(h1.mul(ShortVector.fromArray(S, xq, xi + 48))).reinterpretAsInts();
                    xHi = ((FloatVector) pxHi.lanewise(VectorOperators.ASHR, 16).add(pxHi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, mulX[2 * g + 1]), xHi);
                    IntVector pyLo = l0.mul(ShortVector.fromArray(S, yq, xi)).add(l1.mul(ShortVector.fromArray(S, yq, xi + 16))).reinterpretAsInts();
                    yLo = ((FloatVector) pyLo.lanewise(VectorOperators.ASHR, 16).add(pyLo.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, mulY[2 * g]), yLo);
                    IntVector pyHi = h0.mul(ShortVector.fromArray(S, yq, xi + 32)).add(h1.mul(ShortVector.fromArray(S, yq, xi + 48))).reinterpretAsInts();
                    yHi = ((FloatVector) pyHi.lanewise(VectorOperators.ASHR, 16).add(pyHi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, mulY[2 * g + 1]), yHi);
                }
            }
            outs[o + k][row] = xLo.add(xHi).reduceLanes(VectorOperators.ADD) - xMin.reduceLanes(VectorOperators.ADD);
            outs[o + k + 1][row] = yLo.add(yHi).reduceLanes(VectorOperators.ADD) - yMin.reduceLanes(VectorOperators.ADD);
        }
    }

    /** Eight 6-bit values, one per byte of {@code a} then {@code b}, as floats. */
    private static FloatVector scales(int a, int b) {
        return (FloatVector) IntVector.broadcast(IntVector.SPECIES_64, a).withLane(1, b).reinterpretAsBytes()
                .convertShape(VectorOperators.B2F, F8, 0);
    }

    /** Vector unpacking for the prompt kernel: exactly {@link #dequantizeBlock}'s d·scale·q − dmin·min. */
    @Override
    void unpackRow(int row, float[] out) {
        if (!VECTOR_OK) {
            super.unpackRow(row, out);
            return;
        }
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        float[] dl = new float[8], ml = new float[8];
        for (int b = 0; b < blocks; b++, at += BYTES) {
            long lo = data.get(I64_LE, at + 4);
            int hi = data.get(I32_LE, at + 12);
            int lo0 = (int) lo, lo1 = (int) (lo >>> 32);
            scales(lo0 & 0x3f3f3f3f, (hi & 0x0f0f0f0f) | ((lo0 >>> 2) & 0x30303030)).mul(f16(data, at)).intoArray(dl, 0);
            scales(lo1 & 0x3f3f3f3f, ((hi >>> 4) & 0x0f0f0f0f) | ((lo1 >>> 2) & 0x30303030)).mul(f16(data, at + 2)).intoArray(ml, 0);
            for (int g = 0; g < 4; g++) {
                FloatVector d1 = FloatVector.broadcast(F, dl[2 * g]), m1 = FloatVector.broadcast(F, ml[2 * g]);
                FloatVector d2 = FloatVector.broadcast(F, dl[2 * g + 1]), m2 = FloatVector.broadcast(F, ml[2 * g + 1]);
                int o = b * BLOCK + 64 * g;
                for (int l = 0; l < 32; l += B.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, at + 16 + 32 * g + l, LE);
                    ByteVector lq = q.and((byte) 0x0f), hq = q.lanewise(VectorOperators.LSHR, 4);
                    for (int p = 0; p < PARTS; p++) {
                        int k = o + l + p * F.length();
                        ((FloatVector) lq.convertShape(VectorOperators.B2F, F, p)).mul(d1).sub(m1).intoArray(out, k);
                        ((FloatVector) hq.convertShape(VectorOperators.B2F, F, p)).mul(d2).sub(m2).intoArray(out, k + 32);
                    }
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
            float d = f16(data, at);
            float dmin = f16(data, at + 2);
            long sc = at + 4;
            long qs = at + 16;
            int xb = xOff + b * BLOCK;
            for (int g = 0; g < 4; g++) {
                FloatVector qxLo = FloatVector.zero(F);
                FloatVector qxHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F);
                FloatVector xHi = FloatVector.zero(F);
                int xg = xb + 64 * g;
                for (int l = 0; l < 32; l += B.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, qs + 32 * g + l, LE);
                    ByteVector lo = q.and((byte) 0x0f);
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f);
                    for (int p = 0; p < PARTS; p++) {
                        int o = l + p * F.length();
                        FloatVector xl = FloatVector.fromArray(F, x, xg + o);
                        FloatVector xh = FloatVector.fromArray(F, x, xg + 32 + o);
                        qxLo = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(xl, qxLo);
                        qxHi = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(xh, qxHi);
                        xLo = xLo.add(xl);
                        xHi = xHi.add(xh);
                    }
                }
                acc = qxLo.fma(FloatVector.broadcast(F, d * scaleMin(data, sc, 2 * g, false)), acc);
                acc = xLo.fma(FloatVector.broadcast(F, -dmin * scaleMin(data, sc, 2 * g, true)), acc);
                acc = qxHi.fma(FloatVector.broadcast(F, d * scaleMin(data, sc, 2 * g + 1, false)), acc);
                acc = xHi.fma(FloatVector.broadcast(F, -dmin * scaleMin(data, sc, 2 * g + 1, true)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
