package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** Blocks of 32: a half-float scale {@code d}, then 32 signed bytes; value = d·q. */
public final class Q8_0Tensor extends Tensor {
    static final int BLOCK = 32;
    static final int BYTES = 34;

    Q8_0Tensor(String name, long[] shape, MemorySegment data) {
        super(name, shape, data);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    void dequantizeBlock(long at, float[] out, int off) {
        float d = f16(data, at);
        for (int j = 0; j < BLOCK; j++) out[off + j] = d * data.get(I8, at + 2 + j);
    }

    @Override
    boolean integerDot() {
        return true;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs[i], xs[i + 1], xs[i + 2], xs[i + 3], outs, i);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    /**
     * Row groups: per group and block 256 quant bytes (16 slices of 16), then the 8 rows' scales as the file's half
     * floats — one stream; the 512-bit layout takes two blocks per unit.
     */
    private static final int UNIT_BYTES = 8 * 32 + 16;
    private static final int WIDE_UNIT_BYTES = 2 * UNIT_BYTES;

    @Override
    int groupQuantBytes() {
        return UNIT_BYTES;
    }

    /** Both layouts keep their scales among the quant bytes. */
    @Override
    int groupScales() {
        return 0;
    }

    /**
     * Group {@code g}, block {@code b}: slice p &lt; 16 holds each row's bytes {@code 2p, 2p+1} in turn, so after
     * widening to 16-bit lanes 32-bit lane r is row r's elements (2p, 2p+1); then the rows' half-float scales.
     */
    @Override
    void packGroup(RowGroups out, int g) {
        if (WIDE) {
            packGroupWide(out, g);
            return;
        }
        int blocks = cols / BLOCK;
        byte[] src = groupRows(g);
        byte[] quants = out.quants();
        for (int b = 0; b < blocks; b++) {
            int base = unitIndex(g, b) * UNIT_BYTES;
            for (int r = 0; r < GROUP; r++) {
                int at = (r * blocks + b) * BYTES;
                quants[base + 256 + 2 * r] = src[at];
                quants[base + 257 + 2 * r] = src[at + 1];
                for (int p = 0; p < 16; p++) {
                    quants[base + 16 * p + 2 * r] = src[at + 2 + 2 * p];
                    quants[base + 16 * p + 2 * r + 1] = src[at + 3 + 2 * p];
                }
            }
        }
    }

    /**
     * The wide layout: per group and block pair 512 quant bytes, slice p &lt; 16 of 32 bytes holding for each row r
     * block 2k's bytes {@code 2p, 2p+1} then block 2k+1's (32-bit lane 2r is row r in block 2k, lane 2r+1 in block
     * 2k+1), then the 16 scales as half floats in the same lane order. An odd last block pairs with zeros.
     */
    private void packGroupWide(RowGroups out, int g) {
        forEachWideBlock(out, g, WIDE_UNIT_BYTES, (quants, base, lane, src, at) -> packBlockWide(quants, base, lane, src, at, 16));
    }

    @Override
    void prepareGroupActivations(Q8Activations x) {
        if (WIDE) x.pairedShorts();
        else x.shortPairs();
    }

    @Override
    void groupDot(RowGroups gs, int g, int m0, int m1, Q8Activations x, float[] out, float[] lanes) {
        if (WIDE) {
            Q8Activations.Paired p = x.pairedShorts();
            wideKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, p.pairs(), p.d(), out, lanes);
            return;
        }
        groupKernel(gs.quants(), g, unitIndex(g, m0), m0, m1, x.shortPairs(), x.d, out);
    }

    /**
     * Rows {@code 8g..8g+7} times one activation vector, one row per 32-bit lane. Signed bytes widened to shorts
     * times the activations' shorts: each 16-bit product is at most 128·127, so two slices' products add in 16 bits
     * (≤ 32512) before the halves are widened and summed in 32 bits.
     */
    private static void groupKernel(byte[] qs, int g, int unit0, int m0, int m1, int[] xp, float[] xd, float[] out) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = m0, unit = unit0; b < m1; b++, unit++) {
            int o = unit * UNIT_BYTES;
            int xi = b * 16;
            IntVector hi = IntVector.zero(I), lo = hi;
            for (int p = 0; p < 8; p++) {
                ShortVector w0 = (ShortVector) ByteVector.fromArray(B16, qs, o + 32 * p).convertShape(VectorOperators.B2S, S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromArray(B16, qs, o + 32 * p + 16).convertShape(VectorOperators.B2S, S, 0);
                IntVector t = w0.mul(IntVector.broadcast(I, xp[xi + 2 * p]).reinterpretAsShorts())
                        .add(w1.mul(IntVector.broadcast(I, xp[xi + 2 * p + 1]).reinterpretAsShorts())).reinterpretAsInts();
                hi = hi.add(t.lanewise(VectorOperators.ASHR, 16));
                lo = lo.add(t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            IntVector h = (IntVector) ByteVector.fromArray(B16, qs, o + 256).reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = ((FloatVector) hi.add(lo).convertShape(VectorOperators.I2F, F8, 0)).fma(scale.mul(xd[b]), acc);
        }
        acc.add(FloatVector.fromArray(F8, out, g * GROUP)).intoArray(out, g * GROUP);
    }

    /**
     * {@link #groupKernel} on 512-bit vectors, two blocks per vector (see {@link #packGroupWide}): the same integer
     * arithmetic per row and block, each block pair's activations broadcast to its lanes as one long. Lane 2r sums
     * row r's even blocks, lane 2r+1 its odd ones; the two are added at the end.
     */
    private static void wideKernel(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd, float[] out, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16);
        for (int k = m0, unit = unit0; k < m1; k++, unit++) {
            int o = unit * WIDE_UNIT_BYTES;
            int xi = k * 16;
            IntVector hi = IntVector.zero(I16), lo = hi;
            for (int p = 0; p < 8; p++) {
                ShortVector w0 = (ShortVector) ByteVector.fromArray(B32, qs, o + 64 * p).convertShape(VectorOperators.B2S, S32, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromArray(B32, qs, o + 64 * p + 32).convertShape(VectorOperators.B2S, S32, 0);
                IntVector t = w0.mul(LongVector.broadcast(L8, xp[xi + 2 * p]).reinterpretAsShorts())
                        .add(w1.mul(LongVector.broadcast(L8, xp[xi + 2 * p + 1]).reinterpretAsShorts())).reinterpretAsInts();
                hi = hi.add(t.lanewise(VectorOperators.ASHR, 16));
                lo = lo.add(t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            FloatVector d = LongVector.broadcast(L8, xd[k]).reinterpretAsFloats();
            IntVector h = (IntVector) ByteVector.fromArray(B32, qs, o + 512).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            acc = ((FloatVector) hi.add(lo).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(d), acc);
        }
        acc.intoArray(lanes, 0);
        addLanePairs(lanes, 0, out, g * GROUP);
    }

    /**
     * Batches of up to 31 vectors take the row-group kernels (measured against the tile: see Tensor; on AVX2 one
     * vector at a time, still ahead of the tile there).
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

    /** {@link #wideKernel} for four vectors, each slice loaded and widened once: per vector the same arithmetic. */
    private static void wideKernel4(byte[] qs, int g, int unit0, int m0, int m1, long[] xp, long[] xd,
            float[] out0, float[] out1, float[] out2, float[] out3, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F16), a1 = a0, a2 = a0, a3 = a0;
        for (int k = m0, unit = unit0; k < m1; k++, unit++) {
            int o = unit * WIDE_UNIT_BYTES;
            IntVector h0 = IntVector.zero(I16), l0 = h0, h1 = h0, l1 = h0, h2 = h0, l2 = h0, h3 = h0, l3 = h0;
            for (int p = 0; p < 8; p++) {
                ShortVector w0 = (ShortVector) ByteVector.fromArray(B32, qs, o + 64 * p).convertShape(VectorOperators.B2S, S32, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromArray(B32, qs, o + 64 * p + 32).convertShape(VectorOperators.B2S, S32, 0);
                int e = (k * 16 + 2 * p) * 4, f = e + 4;
                IntVector t = w0.mul(LongVector.broadcast(L8, xp[e]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f]).reinterpretAsShorts())).reinterpretAsInts();
                h0 = h0.add(t.lanewise(VectorOperators.ASHR, 16));
                l0 = l0.add(t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                t = w0.mul(LongVector.broadcast(L8, xp[e + 1]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 1]).reinterpretAsShorts())).reinterpretAsInts();
                h1 = h1.add(t.lanewise(VectorOperators.ASHR, 16));
                l1 = l1.add(t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                t = w0.mul(LongVector.broadcast(L8, xp[e + 2]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 2]).reinterpretAsShorts())).reinterpretAsInts();
                h2 = h2.add(t.lanewise(VectorOperators.ASHR, 16));
                l2 = l2.add(t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                t = w0.mul(LongVector.broadcast(L8, xp[e + 3]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 3]).reinterpretAsShorts())).reinterpretAsInts();
                h3 = h3.add(t.lanewise(VectorOperators.ASHR, 16));
                l3 = l3.add(t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            IntVector h = (IntVector) ByteVector.fromArray(B32, qs, o + 512).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            a0 = ((FloatVector) h0.add(l0).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k]).reinterpretAsFloats()), a0);
            a1 = ((FloatVector) h1.add(l1).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k + 1]).reinterpretAsFloats()), a1);
            a2 = ((FloatVector) h2.add(l2).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k + 2]).reinterpretAsFloats()), a2);
            a3 = ((FloatVector) h3.add(l3).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[4 * k + 3]).reinterpretAsFloats()), a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 16);
        a2.intoArray(lanes, 32);
        a3.intoArray(lanes, 48);
        addLanePairs(lanes, 0, out0, out1, out2, out3, g * GROUP);
    }

    /** On AVX-512, eight vectors per pass ({@link #wideKernel8}) or four, as the {@link KernelRace} finds faster. */
    @Override
    int batchWidth() {
        return WIDE ? 8 : 1;
    }

    /** The four- and eight-vector kernels read their vectors interleaved (see {@link Q8Activations.Batch}). */
    @Override
    Function<Q8Activations, Q8Activations.Paired> batchForm() {
        return WIDE ? Q8Activations.SHORTS : null;
    }

    @Override
    void groupDot8(RowGroups gs, int g, int m0, int m1, Q8Activations[] xs, int i, float[][] outs, float[] lanes) {
        Q8Activations.Batch b = batch(xs, i, 8);
        wideKernel8(gs.quants(), unitIndex(g, m0), m0, m1, b.pairs(), b.d(), lanes);
        for (int v = 0; v < 8; v++) addLanePairs(lanes, 16 * v, outs[i + v], g * GROUP);
    }

    /**
     * {@link #wideKernel4} for eight vectors from their interleaved {@link Q8Activations.Batch}: the weights read and
     * widened once for eight; per vector the same arithmetic, so results do not depend on the batch.
     */
    private static void wideKernel8(byte[] qs, int unit0, int m0, int m1, long[] xp, long[] xd, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F16), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = m0, unit = unit0; k < m1; k++, unit++) {
            int o = unit * WIDE_UNIT_BYTES;
            IntVector h0 = IntVector.zero(I16), l0 = h0, h1 = h0, l1 = h0, h2 = h0, l2 = h0, h3 = h0, l3 = h0;
            IntVector h4 = h0, l4 = h0, h5 = h0, l5 = h0, h6 = h0, l6 = h0, h7 = h0, l7 = h0;
            for (int p = 0; p < 8; p++) {
                ShortVector w0 = (ShortVector) ByteVector.fromArray(B32, qs, o + 64 * p).convertShape(VectorOperators.B2S, S32, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromArray(B32, qs, o + 64 * p + 32).convertShape(VectorOperators.B2S, S32, 0);
                int e = (k * 16 + 2 * p) * 8, f = e + 8;
                IntVector t0 = w0.mul(LongVector.broadcast(L8, xp[e]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f]).reinterpretAsShorts())).reinterpretAsInts();
                h0 = h0.add(t0.lanewise(VectorOperators.ASHR, 16));
                l0 = l0.add(t0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t1 = w0.mul(LongVector.broadcast(L8, xp[e + 1]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 1]).reinterpretAsShorts())).reinterpretAsInts();
                h1 = h1.add(t1.lanewise(VectorOperators.ASHR, 16));
                l1 = l1.add(t1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t2 = w0.mul(LongVector.broadcast(L8, xp[e + 2]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 2]).reinterpretAsShorts())).reinterpretAsInts();
                h2 = h2.add(t2.lanewise(VectorOperators.ASHR, 16));
                l2 = l2.add(t2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t3 = w0.mul(LongVector.broadcast(L8, xp[e + 3]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 3]).reinterpretAsShorts())).reinterpretAsInts();
                h3 = h3.add(t3.lanewise(VectorOperators.ASHR, 16));
                l3 = l3.add(t3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t4 = w0.mul(LongVector.broadcast(L8, xp[e + 4]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 4]).reinterpretAsShorts())).reinterpretAsInts();
                h4 = h4.add(t4.lanewise(VectorOperators.ASHR, 16));
                l4 = l4.add(t4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t5 = w0.mul(LongVector.broadcast(L8, xp[e + 5]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 5]).reinterpretAsShorts())).reinterpretAsInts();
                h5 = h5.add(t5.lanewise(VectorOperators.ASHR, 16));
                l5 = l5.add(t5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t6 = w0.mul(LongVector.broadcast(L8, xp[e + 6]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 6]).reinterpretAsShorts())).reinterpretAsInts();
                h6 = h6.add(t6.lanewise(VectorOperators.ASHR, 16));
                l6 = l6.add(t6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector t7 = w0.mul(LongVector.broadcast(L8, xp[e + 7]).reinterpretAsShorts()).add(w1.mul(LongVector.broadcast(L8, xp[f + 7]).reinterpretAsShorts())).reinterpretAsInts();
                h7 = h7.add(t7.lanewise(VectorOperators.ASHR, 16));
                l7 = l7.add(t7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            IntVector h = (IntVector) ByteVector.fromArray(B32, qs, o + 512).reinterpretAsShorts().convertShape(VectorOperators.S2I, I16, 0);
            FloatVector scale = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).viewAsFloatingLanes().mul(HALF_REBIAS);
            int v = 8 * k;
            a0 = ((FloatVector) h0.add(l0).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v]).reinterpretAsFloats()), a0);
            a1 = ((FloatVector) h1.add(l1).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 1]).reinterpretAsFloats()), a1);
            a2 = ((FloatVector) h2.add(l2).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 2]).reinterpretAsFloats()), a2);
            a3 = ((FloatVector) h3.add(l3).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 3]).reinterpretAsFloats()), a3);
            a4 = ((FloatVector) h4.add(l4).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 4]).reinterpretAsFloats()), a4);
            a5 = ((FloatVector) h5.add(l5).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 5]).reinterpretAsFloats()), a5);
            a6 = ((FloatVector) h6.add(l6).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 6]).reinterpretAsFloats()), a6);
            a7 = ((FloatVector) h7.add(l7).convertShape(VectorOperators.I2F, F16, 0)).fma(scale.mul(LongVector.broadcast(L8, xd[v + 7]).reinterpretAsFloats()), a7);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 16);
        a2.intoArray(lanes, 32);
        a3.intoArray(lanes, 48);
        a4.intoArray(lanes, 64);
        a5.intoArray(lanes, 80);
        a6.intoArray(lanes, 96);
        a7.intoArray(lanes, 112);
    }

    private float dot1(int row, Q8Activations x0) {
        int blocks = cols / BLOCK;
        long at = (long) row * blocks * BYTES;
        FloatVector a00 = FloatVector.zero(F8), a01 = a00;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, at += 2 * BYTES) { // two blocks, two accumulators: independent chains
            int xi = b * BLOCK;
            ShortVector w00 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w01 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 18, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w10 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + BYTES + 2, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w11 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + BYTES + 18, LE).convertShape(VectorOperators.B2S, S, 0);
            float dw0 = f16(data, at), dw1 = f16(data, at + BYTES);
            IntVector p00 = w00.mul(ShortVector.fromArray(S, x0.q, xi)).add(w01.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            IntVector p01 = w10.mul(ShortVector.fromArray(S, x0.q, xi + 32)).add(w11.mul(ShortVector.fromArray(S, x0.q, xi + 48))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
            a01 = ((FloatVector) p01.lanewise(VectorOperators.ASHR, 16).add(p01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x0.d[b + 1]), a01);
        }
        if (b < blocks) { // an odd block count: the last one into the first accumulator
            int xi = b * BLOCK;
            ShortVector w00 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w01 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 18, LE).convertShape(VectorOperators.B2S, S, 0);
            float dw0 = f16(data, at);
            IntVector p00 = w00.mul(ShortVector.fromArray(S, x0.q, xi)).add(w01.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
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
        for (; b + 2 <= blocks; b += 2, at += 2 * BYTES) { // two blocks, two accumulators: independent chains
            int xi = b * BLOCK;
            ShortVector w00 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w01 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 18, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w10 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + BYTES + 2, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w11 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + BYTES + 18, LE).convertShape(VectorOperators.B2S, S, 0);
            float dw0 = f16(data, at), dw1 = f16(data, at + BYTES);
            IntVector p00 = w00.mul(ShortVector.fromArray(S, x0.q, xi)).add(w01.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            IntVector p01 = w10.mul(ShortVector.fromArray(S, x0.q, xi + 32)).add(w11.mul(ShortVector.fromArray(S, x0.q, xi + 48))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
            a01 = ((FloatVector) p01.lanewise(VectorOperators.ASHR, 16).add(p01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x0.d[b + 1]), a01);
            IntVector p10 = w00.mul(ShortVector.fromArray(S, x1.q, xi)).add(w01.mul(ShortVector.fromArray(S, x1.q, xi + 16))).reinterpretAsInts();
            IntVector p11 = w10.mul(ShortVector.fromArray(S, x1.q, xi + 32)).add(w11.mul(ShortVector.fromArray(S, x1.q, xi + 48))).reinterpretAsInts();
            a10 = ((FloatVector) p10.lanewise(VectorOperators.ASHR, 16).add(p10.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x1.d[b]), a10);
            a11 = ((FloatVector) p11.lanewise(VectorOperators.ASHR, 16).add(p11.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x1.d[b + 1]), a11);
            IntVector p20 = w00.mul(ShortVector.fromArray(S, x2.q, xi)).add(w01.mul(ShortVector.fromArray(S, x2.q, xi + 16))).reinterpretAsInts();
            IntVector p21 = w10.mul(ShortVector.fromArray(S, x2.q, xi + 32)).add(w11.mul(ShortVector.fromArray(S, x2.q, xi + 48))).reinterpretAsInts();
            a20 = ((FloatVector) p20.lanewise(VectorOperators.ASHR, 16).add(p20.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x2.d[b]), a20);
            a21 = ((FloatVector) p21.lanewise(VectorOperators.ASHR, 16).add(p21.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x2.d[b + 1]), a21);
            IntVector p30 = w00.mul(ShortVector.fromArray(S, x3.q, xi)).add(w01.mul(ShortVector.fromArray(S, x3.q, xi + 16))).reinterpretAsInts();
            IntVector p31 = w10.mul(ShortVector.fromArray(S, x3.q, xi + 32)).add(w11.mul(ShortVector.fromArray(S, x3.q, xi + 48))).reinterpretAsInts();
            a30 = ((FloatVector) p30.lanewise(VectorOperators.ASHR, 16).add(p30.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x3.d[b]), a30);
            a31 = ((FloatVector) p31.lanewise(VectorOperators.ASHR, 16).add(p31.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw1 * x3.d[b + 1]), a31);
        }
        if (b < blocks) { // an odd block count: the last one into the first accumulator
            int xi = b * BLOCK;
            ShortVector w00 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 2, LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w01 = (ShortVector) ByteVector.fromMemorySegment(B16, data, at + 18, LE).convertShape(VectorOperators.B2S, S, 0);
            float dw0 = f16(data, at);
            IntVector p00 = w00.mul(ShortVector.fromArray(S, x0.q, xi)).add(w01.mul(ShortVector.fromArray(S, x0.q, xi + 16))).reinterpretAsInts();
            a00 = ((FloatVector) p00.lanewise(VectorOperators.ASHR, 16).add(p00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x0.d[b]), a00);
            IntVector p10 = w00.mul(ShortVector.fromArray(S, x1.q, xi)).add(w01.mul(ShortVector.fromArray(S, x1.q, xi + 16))).reinterpretAsInts();
            a10 = ((FloatVector) p10.lanewise(VectorOperators.ASHR, 16).add(p10.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x1.d[b]), a10);
            IntVector p20 = w00.mul(ShortVector.fromArray(S, x2.q, xi)).add(w01.mul(ShortVector.fromArray(S, x2.q, xi + 16))).reinterpretAsInts();
            a20 = ((FloatVector) p20.lanewise(VectorOperators.ASHR, 16).add(p20.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x2.d[b]), a20);
            IntVector p30 = w00.mul(ShortVector.fromArray(S, x3.q, xi)).add(w01.mul(ShortVector.fromArray(S, x3.q, xi + 16))).reinterpretAsInts();
            a30 = ((FloatVector) p30.lanewise(VectorOperators.ASHR, 16).add(p30.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.broadcast(F8, dw0 * x3.d[b]), a30);
        }
        outs[o][row] = a00.add(a01).reduceLanes(VectorOperators.ADD);
        outs[o + 1][row] = a10.add(a11).reduceLanes(VectorOperators.ADD);
        outs[o + 2][row] = a20.add(a21).reduceLanes(VectorOperators.ADD);
        outs[o + 3][row] = a30.add(a31).reduceLanes(VectorOperators.ADD);
    }

    /** Vector unpacking for the prompt kernel: the same products d·q as {@link #dequantizeBlock}. */
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
            for (int j = 0; j < BLOCK; j += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, at + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(out, o + j + p * F.length());
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
            for (int j = 0; j < BLOCK; j += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, at + 2 + j, LE);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
                    blockAcc = qf.fma(FloatVector.fromArray(F, x, xi + j + p * F.length()), blockAcc);
                }
            }
            acc = blockAcc.fma(FloatVector.broadcast(F, f16(data, at)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
