package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
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
 * Super-blocks of 256 (ggml's block_q5_K): half {@code d}, half {@code dmin}, 12 bytes of scales/mins packed as in
 * Q4_K, 32 bytes of fifth bits ({@code qh}), 128 bytes of nibbles. Group 2k takes bit 2k of {@code qh[l]}, group
 * 2k+1 bit 2k+1. value = d·scale·q − dmin·min with q in 0..31.
 */
public final class Q5_KTensor extends Tensor {
    static final int BLOCK = 256;
    static final int BYTES = 176;

    Q5_KTensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        float dmin = f16(data, at + 2);
        long sc = at + 4;
        long qh = at + 16;
        long qs = at + 48;
        for (int g = 0; g < 4; g++) {
            float d1 = d * Q4_KTensor.scaleMin(data, sc, 2 * g, false);
            float m1 = dmin * Q4_KTensor.scaleMin(data, sc, 2 * g, true);
            float d2 = d * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, false);
            float m2 = dmin * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = data.get(I8, qs + 32 * g + l) & 0xff;
                int h = data.get(I8, qh + l) & 0xff;
                out[off + 64 * g + l] = d1 * ((q & 0x0f) | (((h >>> (2 * g)) & 1) << 4)) - m1;
                out[off + 64 * g + 32 + l] = d2 * ((q >>> 4) | (((h >>> (2 * g + 1)) & 1) << 4)) - m2;
            }
        }
    }

    @Override
    boolean integerDot() {
        return true;
    }

    /**
     * Row groups on AVX-512 only (256-bit machines keep the row kernels): per pair of super-blocks and 8 rows, in the
     * order the kernel reads them, {@code d} and {@code dmin} as 16 half floats each (64 bytes), then for each 64
     * elements j: Q4_K's wide nibble slices (16 of 32 bytes, each int lane a row's two neighbouring bytes), the fifth
     * bits (8 × 16 bytes: per slice p &lt; 8 one byte per int lane, slice p's four bits low and slice p+8's high), and
     * the 16 lanes' scale bytes of groups 2j, 2j+1, then their min bytes (64): 2880 bytes per 4096 weights, 1.02× the
     * file. Read strictly forwards: with the fifth bits and scales in regions after the quants (jumping back and
     * forth inside a unit) a pass over the 1B Q5_K's output matrix on one core ran at 7.7 instead of 19.7 G weights/s.
     */
    private static final int WIDE_UNIT_BYTES = 64 + 4 * (512 + 128 + 64);

    @Override
    int groupQuantBytes() {
        return WIDE ? WIDE_UNIT_BYTES / 2 : 0;
    }

    @Override
    int groupScales() {
        return 0;
    }

    /**
     * Byte t of a slice's int lane is a row's byte {@code 32j + 2p + t}: its low nibble is element l = 2p + t of group
     * 2j, its high nibble element l of group 2j+1; their fifth bits are bits 2j and 2j+1 of {@code qh[l]}. The lane's
     * fifth-bit nibble holds them as (low of t=0, high of t=0, low of t=1, high of t=1).
     */
    @Override
    void packGroup(RowGroups out, int g) {
        forEachWideBlock(out, g, WIDE_UNIT_BYTES, (quants, base, lane, src, at) -> {
            MemorySegment block = MemorySegment.ofArray(src);
            for (int i = 0; i < 2; i++) { // d, then dmin: the file's half floats, widened in the kernel
                quants[base + 2 * lane + i] = src[at + i];
                quants[base + 32 + 2 * lane + i] = src[at + 2 + i];
            }
            for (int j = 0; j < 4; j++) {
                int q = base + 64 + 704 * j;
                for (int t = 0; t < 2; t++) {
                    quants[q + 640 + 16 * t + lane] = (byte) Q4_KTensor.scaleMin(block, at + 4, 2 * j + t, false);
                    quants[q + 672 + 16 * t + lane] = (byte) Q4_KTensor.scaleMin(block, at + 4, 2 * j + t, true);
                }
                for (int p = 0; p < 16; p++) {
                    int o = q + 32 * p + 2 * lane;
                    quants[o] = src[at + 48 + 32 * j + 2 * p];
                    quants[o + 1] = src[at + 49 + 32 * j + 2 * p];
                    int bits = 0;
                    for (int t = 0; t < 2; t++) {
                        int h = src[at + 16 + 2 * p + t] & 0xff;
                        bits |= ((h >>> (2 * j)) & 1) << (2 * t) | ((h >>> (2 * j + 1)) & 1) << (2 * t + 1);
                    }
                    quants[q + 512 + 16 * (p % 8) + lane] |= (byte) (bits << (p < 8 ? 0 : 4));
                }
            }
        });
    }

    @Override
    void prepareGroupActivations(Q8Activations x) {
        x.paired(8);
    }

    @Override
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        Q8Activations.Paired p = x.paired(8);
        wideKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, p.pairs(), p.d(), p.ds(), out, lanes);
    }

    // Batches of GEMM_FROM (4) vectors or more take the float tile (groupedBatchLimit stays 0). A four-vector
    // row-group kernel (git history up to 3c5e2d6) ran 1.43x the tile at 4 vectors and 1.1-1.2x at 8 when C2 compiled it well, but in 3 of 6 JVM starts
    // (BenchMain at 1, 4 and 8 sequences; 2 of 4 `muse bench` starts at 8) C2 left parts of it on the Vector API's
    // Java fallback (JFR: IntVector.lanewiseTemplate and AbstractVector.convert under its block-end sums) and 4 and 8
    // sequences decoded at 2.6-6.8 t/s instead of 27-40; the tile gave 20-22 and 30-33 in 6 of 6. Tried again on
    // 2026-11-27 with the KernelRace falling back to one vector at a time and one vector width per element type: in
    // good starts 8 sequences ran 63-69 t/s against the tile's 45-49, but 2 of 4 BenchMain starts still compiled it
    // badly (race ratio 3.0-4.5), and those ran 8 sequences at 37-38 and one sequence at 30-31 instead of 36-38.

    /**
     * Q4_K's wide kernel with each nibble's fifth bit or-ed in: the lane's bits (b0 low of t=0, b1 high of t=0, b2,
     * b3 likewise for t=1) go to bit 4 of each 16-bit half by one multiply, {@code ((h & 5)·0x40010) & 0x100010}
     * (the cross terms land outside the mask). Values up to 31 allow four pair products per rounding shift
     * (4·2·31·127 &lt; 2^15), so each 64 elements take two rounds.
     */
    private static void wideKernel(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd, long[] xds, float[] out, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16);
        IntVector bias = IntVector.broadcast(I16, 0x8000);
        for (int m = m0, unit = unit0; m < m1; m++, unit++) {
            int base = unit * WIDE_UNIT_BYTES;
            IntVector hd = (IntVector) ByteVector.fromArray(B32, qs, base).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            IntVector hm = (IntVector) ByteVector.fromArray(B32, qs, base + 32).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector sd = FloatVector.zero(F16), sm = sd;
            for (int j = 0; j < 4; j++) {
                int q = base + 64 + 704 * j, hq = q + 512;
                int xi = m * 128 + 32 * j;
                int k = m * 8 + 2 * j, s = q + 640;
                for (int half = 0; half < 8; half += 4) {
                    IntVector lo0 = bias, lo1 = bias, hi0 = bias, hi1 = bias;
                    for (int p = half; p < half + 4; p++) {
                        ShortVector w = (ShortVector) ByteVector.fromArray(B32, qs, q + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                        ShortVector v = (ShortVector) ByteVector.fromArray(B32, qs, q + 256 + 32 * p).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                        IntVector h = (IntVector) ByteVector.fromArray(B16, qs, hq + 16 * p).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                        IntVector hv = h.lanewise(VectorOperators.LSHR, 4);
                        IntVector wl = w.and((short) 0x0f).reinterpretAsInts().or(h.and(5).mul(0x40010).and(0x100010));
                        IntVector wh = w.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().or(h.and(10).mul(0x20008).and(0x100010));
                        IntVector vl = v.and((short) 0x0f).reinterpretAsInts().or(hv.and(5).mul(0x40010).and(0x100010));
                        IntVector vh = v.lanewise(VectorOperators.LSHR, 4).reinterpretAsInts().or(hv.and(10).mul(0x20008).and(0x100010));
                        lo0 = lo0.add(wl.mul(LongVector.broadcast(L8, xp[xi + p]).reinterpretAsInts()));
                        hi0 = hi0.add(wh.mul(LongVector.broadcast(L8, xp[xi + 16 + p]).reinterpretAsInts()));
                        lo1 = lo1.add(vl.mul(LongVector.broadcast(L8, xp[xi + 8 + p]).reinterpretAsInts()));
                        hi1 = hi1.add(vh.mul(LongVector.broadcast(L8, xp[xi + 24 + p]).reinterpretAsInts()));
                    }
                    // each half's sums are scaled on their own (four pair products per rounding shift, above)
                    IntVector scLo = (IntVector) ByteVector.fromArray(B16, qs, s).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                    IntVector scHi = (IntVector) ByteVector.fromArray(B16, qs, s + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, I16, 0);
                    sd = ((FloatVector) lo0.lanewise(VectorOperators.ASHR, 16).add(lo1.lanewise(VectorOperators.ASHR, 16)).mul(scLo)
                            .convertShape(VectorOperators.I2F, F16, 0)).fma(LongVector.broadcast(L8, xd[k]).reinterpretAsFloats(), sd);
                    sd = ((FloatVector) hi0.lanewise(VectorOperators.ASHR, 16).add(hi1.lanewise(VectorOperators.ASHR, 16)).mul(scHi)
                            .convertShape(VectorOperators.I2F, F16, 0)).fma(LongVector.broadcast(L8, xd[k + 1]).reinterpretAsFloats(), sd);
                }
                FloatVector mLo = (FloatVector) ByteVector.fromArray(B16, qs, s + 32).convertShape(VectorOperators.B2F, F16, 0);
                FloatVector mHi = (FloatVector) ByteVector.fromArray(B16, qs, s + 48).convertShape(VectorOperators.B2F, F16, 0);
                sm = mLo.fma(LongVector.broadcast(L8, xds[k]).reinterpretAsFloats(), sm);
                sm = mHi.fma(LongVector.broadcast(L8, xds[k + 1]).reinterpretAsFloats(), sm);
            }
            FloatVector d = hd.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            FloatVector dmin = hm.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = sd.fma(d, acc).sub(sm.mul(dmin));
        }
        acc.intoArray(lanes, 0);
        addLanePairs(lanes, 0, out, g * GROUP);
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs, i, outs);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    /**
     * Σ over 32-element groups of d·scale·dx·Σ(q·xq) − dmin·min·dx·Σxq: the 5-bit values (0..31) rebuilt on 16-bit
     * lanes and multiplied by the 8-bit activations; four products (≤ 4·31·127) fit in a 16-bit lane before the
     * pair sum {@code (v + (v << 16)) >> 16}; the minimum through the activations' block sums. Everything inline:
     * C2 does not inline helpers this size, and a vector passed to a call is boxed.
     */
    private float dot1(int row, Q8Activations x) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        int[] sm = new int[16];
        FloatVector acc = FloatVector.zero(F8);
        float minSum = 0f;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at);
            float dmin = f16(data, at + 2);
            {
                // the 6-bit scales and mins (as Q4_K packs them) from one 8-byte and one 4-byte read, inline: a call here
                // would force the live vectors out of registers
                long lo = data.get(I64_LE, at + 4);
                int hi = data.get(I32_LE, at + 12);
                for (int j = 0; j < 4; j++) {
                    int bj = (int) (lo >>> (8 * j)) & 0xff;
                    int bj4 = (int) (lo >>> (8 * j + 32)) & 0xff;
                    int bj8 = (hi >>> (8 * j)) & 0xff;
                    sm[j] = bj & 63;
                    sm[8 + j] = bj4 & 63;
                    sm[4 + j] = (bj8 & 0x0f) | ((bj >>> 6) << 4);
                    sm[12 + j] = (bj8 >>> 4) | ((bj4 >>> 6) << 4);
                }
            }
            ShortVector hb0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 16, LE).convertShape(B2S, S, 0);
            ShortVector hb1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 32, LE).convertShape(B2S, S, 0);
            long qs = at + 48;
            for (int g = 0; g < 4; g++) {
                ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qs + 32 * g, LE).convertShape(B2S, S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qs + 32 * g + 16, LE).convertShape(B2S, S, 0);
                // bits 2g and 2g+1 of qh are at bits 0 and 1 of hb after g shifts by two; the masks drop the sign extension
                ShortVector l0 = w0.and((short) 0x0f).or(hb0.lanewise(LSHL, 4).and((short) 0x10));
                ShortVector l1 = w1.and((short) 0x0f).or(hb1.lanewise(LSHL, 4).and((short) 0x10));
                ShortVector h0 = w0.lanewise(ASHR, 4).and((short) 0x0f).or(hb0.lanewise(LSHL, 3).and((short) 0x10));
                ShortVector h1 = w1.lanewise(ASHR, 4).and((short) 0x0f).or(hb1.lanewise(LSHL, 3).and((short) 0x10));
                hb0 = hb0.lanewise(ASHR, 2);
                hb1 = hb1.lanewise(ASHR, 2);
                float dl = d * sm[2 * g], dh = d * sm[2 * g + 1];
                float ml = dmin * sm[8 + 2 * g], mh = dmin * sm[9 + 2 * g];
                int blo = b * 8 + 2 * g; // the activation block (of 32) of the low nibbles; +1 for the high ones
                int xi = blo * 32;
                IntVector pl = l0.mul(ShortVector.fromArray(S, x.q, xi)).add(l1.mul(ShortVector.fromArray(S, x.q, xi + 16))).reinterpretAsInts();
                IntVector ph = h0.mul(ShortVector.fromArray(S, x.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x.q, xi + 48))).reinterpretAsInts();
                FloatVector fl = (FloatVector) pl.add(pl.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                FloatVector fh = (FloatVector) ph.add(ph.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                acc = acc.add(fl.fma(FloatVector.broadcast(F8, dl * x.d[blo]), fh.mul(FloatVector.broadcast(F8, dh * x.d[blo + 1]))));
                minSum += ml * x.d[blo] * x.sums[blo] + mh * x.d[blo + 1] * x.sums[blo + 1];
            }
        }
        return sumLanes(acc) - minSum;
    }

    /** Four vectors per weight unpack; each vector's arithmetic is exactly {@link #dot1}'s (same text). */
    private void dot4(int row, Q8Activations[] xs, int o, float[][] outs) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        int[] sm = new int[16];
        Q8Activations x0 = xs[o], x1 = xs[o + 1], x2 = xs[o + 2], x3 = xs[o + 3];
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        float m0 = 0f, m1 = 0f, m2 = 0f, m3 = 0f;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at);
            float dmin = f16(data, at + 2);
            {
                // the 6-bit scales and mins (as Q4_K packs them) from one 8-byte and one 4-byte read, inline: a call here
                // would force the live vectors out of registers
                long lo = data.get(I64_LE, at + 4);
                int hi = data.get(I32_LE, at + 12);
                for (int j = 0; j < 4; j++) {
                    int bj = (int) (lo >>> (8 * j)) & 0xff;
                    int bj4 = (int) (lo >>> (8 * j + 32)) & 0xff;
                    int bj8 = (hi >>> (8 * j)) & 0xff;
                    sm[j] = bj & 63;
                    sm[8 + j] = bj4 & 63;
                    sm[4 + j] = (bj8 & 0x0f) | ((bj >>> 6) << 4);
                    sm[12 + j] = (bj8 >>> 4) | ((bj4 >>> 6) << 4);
                }
            }
            ShortVector hb0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 16, LE).convertShape(B2S, S, 0);
            ShortVector hb1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 32, LE).convertShape(B2S, S, 0);
            long qs = at + 48;
            for (int g = 0; g < 4; g++) {
                ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qs + 32 * g, LE).convertShape(B2S, S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qs + 32 * g + 16, LE).convertShape(B2S, S, 0);
                // bits 2g and 2g+1 of qh are at bits 0 and 1 of hb after g shifts by two; the masks drop the sign extension
                ShortVector l0 = w0.and((short) 0x0f).or(hb0.lanewise(LSHL, 4).and((short) 0x10));
                ShortVector l1 = w1.and((short) 0x0f).or(hb1.lanewise(LSHL, 4).and((short) 0x10));
                ShortVector h0 = w0.lanewise(ASHR, 4).and((short) 0x0f).or(hb0.lanewise(LSHL, 3).and((short) 0x10));
                ShortVector h1 = w1.lanewise(ASHR, 4).and((short) 0x0f).or(hb1.lanewise(LSHL, 3).and((short) 0x10));
                hb0 = hb0.lanewise(ASHR, 2);
                hb1 = hb1.lanewise(ASHR, 2);
                float dl = d * sm[2 * g], dh = d * sm[2 * g + 1];
                float ml = dmin * sm[8 + 2 * g], mh = dmin * sm[9 + 2 * g];
                int blo = b * 8 + 2 * g; // the activation block (of 32) of the low nibbles; +1 for the high ones
                int xi = blo * 32;
                IntVector pl_0 = l0.mul(ShortVector.fromArray(S, x0.q, xi)).add(l1.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
                IntVector ph_0 = h0.mul(ShortVector.fromArray(S, x0.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x0.q, xi + 48))).reinterpretAsInts();
                FloatVector fl_0 = (FloatVector) pl_0.add(pl_0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                FloatVector fh_0 = (FloatVector) ph_0.add(ph_0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                acc0 = acc0.add(fl_0.fma(FloatVector.broadcast(F8, dl * x0.d[blo]), fh_0.mul(FloatVector.broadcast(F8, dh * x0.d[blo + 1]))));
                m0 += ml * x0.d[blo] * x0.sums[blo] + mh * x0.d[blo + 1] * x0.sums[blo + 1];
                IntVector pl_1 = l0.mul(ShortVector.fromArray(S, x1.q, xi)).add(l1.mul(ShortVector.fromArray(S, x1.q, xi + 16))).reinterpretAsInts();
                IntVector ph_1 = h0.mul(ShortVector.fromArray(S, x1.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x1.q, xi + 48))).reinterpretAsInts();
                FloatVector fl_1 = (FloatVector) pl_1.add(pl_1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                FloatVector fh_1 = (FloatVector) ph_1.add(ph_1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                acc1 = acc1.add(fl_1.fma(FloatVector.broadcast(F8, dl * x1.d[blo]), fh_1.mul(FloatVector.broadcast(F8, dh * x1.d[blo + 1]))));
                m1 += ml * x1.d[blo] * x1.sums[blo] + mh * x1.d[blo + 1] * x1.sums[blo + 1];
                IntVector pl_2 = l0.mul(ShortVector.fromArray(S, x2.q, xi)).add(l1.mul(ShortVector.fromArray(S, x2.q, xi + 16))).reinterpretAsInts();
                IntVector ph_2 = h0.mul(ShortVector.fromArray(S, x2.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x2.q, xi + 48))).reinterpretAsInts();
                FloatVector fl_2 = (FloatVector) pl_2.add(pl_2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                FloatVector fh_2 = (FloatVector) ph_2.add(ph_2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                acc2 = acc2.add(fl_2.fma(FloatVector.broadcast(F8, dl * x2.d[blo]), fh_2.mul(FloatVector.broadcast(F8, dh * x2.d[blo + 1]))));
                m2 += ml * x2.d[blo] * x2.sums[blo] + mh * x2.d[blo + 1] * x2.sums[blo + 1];
                IntVector pl_3 = l0.mul(ShortVector.fromArray(S, x3.q, xi)).add(l1.mul(ShortVector.fromArray(S, x3.q, xi + 16))).reinterpretAsInts();
                IntVector ph_3 = h0.mul(ShortVector.fromArray(S, x3.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x3.q, xi + 48))).reinterpretAsInts();
                FloatVector fl_3 = (FloatVector) pl_3.add(pl_3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                FloatVector fh_3 = (FloatVector) ph_3.add(ph_3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F8, 0);
                acc3 = acc3.add(fl_3.fma(FloatVector.broadcast(F8, dl * x3.d[blo]), fh_3.mul(FloatVector.broadcast(F8, dh * x3.d[blo + 1]))));
                m3 += ml * x3.d[blo] * x3.sums[blo] + mh * x3.d[blo + 1] * x3.sums[blo + 1];
            }
        }
        outs[o][row] = sumLanes(acc0) - m0;
        outs[o + 1][row] = sumLanes(acc1) - m1;
        outs[o + 2][row] = sumLanes(acc2) - m2;
        outs[o + 3][row] = sumLanes(acc3) - m3;
    }

    /**
     * Vector unpacking for the prompt kernel ({@link Tensor#matmul} with many vectors): the same values as
     * {@link #dequantizeBlock}, {@code (d·scale)·q − dmin·min} rounded the same way (a multiply, then a subtract).
     */
    @Override
    void unpackRow(int row, float[] out) {
        if (!INT_OK) {
            super.unpackRow(row, out);
            return;
        }
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        int[] sm = new int[16];
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(data, at);
            float dmin = f16(data, at + 2);
            {
                long lo = data.get(I64_LE, at + 4);
                int hi = data.get(I32_LE, at + 12);
                for (int j = 0; j < 4; j++) {
                    int bj = (int) (lo >>> (8 * j)) & 0xff;
                    int bj4 = (int) (lo >>> (8 * j + 32)) & 0xff;
                    int bj8 = (hi >>> (8 * j)) & 0xff;
                    sm[j] = bj & 63;
                    sm[8 + j] = bj4 & 63;
                    sm[4 + j] = (bj8 & 0x0f) | ((bj >>> 6) << 4);
                    sm[12 + j] = (bj8 >>> 4) | ((bj4 >>> 6) << 4);
                }
            }
            ShortVector hb0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 16, LE).convertShape(B2S, S, 0);
            ShortVector hb1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 32, LE).convertShape(B2S, S, 0);
            long qs = at + 48;
            for (int g = 0; g < 4; g++) {
                ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qs + 32 * g, LE).convertShape(B2S, S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, qs + 32 * g + 16, LE).convertShape(B2S, S, 0);
                ShortVector l0 = w0.and((short) 0x0f).or(hb0.lanewise(LSHL, 4).and((short) 0x10));
                ShortVector l1 = w1.and((short) 0x0f).or(hb1.lanewise(LSHL, 4).and((short) 0x10));
                ShortVector h0 = w0.lanewise(ASHR, 4).and((short) 0x0f).or(hb0.lanewise(LSHL, 3).and((short) 0x10));
                ShortVector h1 = w1.lanewise(ASHR, 4).and((short) 0x0f).or(hb1.lanewise(LSHL, 3).and((short) 0x10));
                hb0 = hb0.lanewise(ASHR, 2);
                hb1 = hb1.lanewise(ASHR, 2);
                FloatVector dl = FloatVector.broadcast(F8, d * sm[2 * g]), dh = FloatVector.broadcast(F8, d * sm[2 * g + 1]);
                FloatVector ml = FloatVector.broadcast(F8, dmin * sm[8 + 2 * g]), mh = FloatVector.broadcast(F8, dmin * sm[9 + 2 * g]);
                int o = b * BLOCK + 64 * g;
                ((FloatVector) l0.convertShape(S2F, F8, 0)).mul(dl).sub(ml).intoArray(out, o);
                ((FloatVector) l0.convertShape(S2F, F8, 1)).mul(dl).sub(ml).intoArray(out, o + 8);
                ((FloatVector) l1.convertShape(S2F, F8, 0)).mul(dl).sub(ml).intoArray(out, o + 16);
                ((FloatVector) l1.convertShape(S2F, F8, 1)).mul(dl).sub(ml).intoArray(out, o + 24);
                ((FloatVector) h0.convertShape(S2F, F8, 0)).mul(dh).sub(mh).intoArray(out, o + 32);
                ((FloatVector) h0.convertShape(S2F, F8, 1)).mul(dh).sub(mh).intoArray(out, o + 40);
                ((FloatVector) h1.convertShape(S2F, F8, 0)).mul(dh).sub(mh).intoArray(out, o + 48);
                ((FloatVector) h1.convertShape(S2F, F8, 1)).mul(dh).sub(mh).intoArray(out, o + 56);
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
            long qhAt = at + 16;
            long qs = at + 48;
            int xb = xOff + b * BLOCK;
            for (int g = 0; g < 4; g++) {
                FloatVector qxLo = FloatVector.zero(F);
                FloatVector qxHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F);
                FloatVector xHi = FloatVector.zero(F);
                int xg = xb + 64 * g;
                for (int l = 0; l < 32; l += B.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, qs + 32 * g + l, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, data, qhAt + l, LE);
                    ByteVector lo = q.and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2 * g + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
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
                acc = qxLo.fma(FloatVector.broadcast(F, d * Q4_KTensor.scaleMin(data, sc, 2 * g, false)), acc);
                acc = xLo.fma(FloatVector.broadcast(F, -dmin * Q4_KTensor.scaleMin(data, sc, 2 * g, true)), acc);
                acc = qxHi.fma(FloatVector.broadcast(F, d * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, false)), acc);
                acc = xHi.fma(FloatVector.broadcast(F, -dmin * Q4_KTensor.scaleMin(data, sc, 2 * g + 1, true)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
