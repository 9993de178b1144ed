package dev.muse.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /** Unpacking a Q4_K row is scalar and slow: the integer kernel stays ahead up to larger batches (measured). */
    @Override
    boolean integerFor(int n) {
        return n < 24;
    }

    @Override
    void dotQ8(int row, Q8Activations[] xs, int n, float[][] outs) {
        int i = 0;
        for (; i + 4 <= n; i += 4) dot4(row, xs, i, outs);
        for (; i < n; i++) outs[i][row] = dot1(row, xs[i]);
    }

    /**
     * Unpacks the eight 6-bit scales and mins of the super-block at {@code at} into {@code sm[0..8)} and
     * {@code sm[8..16)}: the same values as {@link #scaleMin}, from one 8-byte and one 4-byte read, without branches.
     */
    private void scales(long at, int[] sm) {
        long lo = data.get(I64_LE, at + 4);
        int hi = data.get(I32_LE, at + 12);
        for (int j = 0; j < 4; j++) {
            int bj = (int) (lo >>> (8 * j)) & 0xff;      // byte j
            int bj4 = (int) (lo >>> (8 * j + 32)) & 0xff; // byte j + 4
            int bj8 = (hi >>> (8 * j)) & 0xff;            // byte j + 8
            sm[j] = bj & 63;
            sm[8 + j] = bj4 & 63;
            sm[4 + j] = (bj8 & 0x0f) | ((bj >>> 6) << 4);
            sm[12 + j] = (bj8 >>> 4) | ((bj4 >>> 6) << 4);
        }
    }

    /**
     * Σ over groups of d·scale·Σ(q·xq)·dx − dmin·min·dx·Σxq: the nibbles times the 8-bit activations in integers,
     * the group's minimum through the activations' precomputed block sums.
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
                // the scales inline: a call here would force the live vectors out of registers
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
            long qs = at + 16;
            for (int g = 0; g < 4; g++) {
                int blo = b * 8 + 2 * g; // the activation block (of 32) of the low nibbles; +1 for the high ones
                int xi = blo * 32;
                ByteVector q0 = ByteVector.fromMemorySegment(B16, data, qs + 32 * g, LE);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, data, qs + 32 * g + 16, LE);
                // widened once, the nibbles split on 16-bit lanes (the sign extension is masked away)
                ShortVector w0 = (ShortVector) q0.convertShape(VectorOperators.B2S, S, 0);
                ShortVector w1 = (ShortVector) q1.convertShape(VectorOperators.B2S, S, 0);
                ShortVector l0 = w0.and((short) 0x0f), l1 = w1.and((short) 0x0f);
                ShortVector h0 = w0.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f), h1 = w1.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f);
                IntVector pl = l0.mul(ShortVector.fromArray(S, x.q, xi)).add(l1.mul(ShortVector.fromArray(S, x.q, xi + 16))).reinterpretAsInts();
                IntVector ph = h0.mul(ShortVector.fromArray(S, x.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x.q, xi + 48))).reinterpretAsInts();
                acc = ((FloatVector) pl.lanewise(VectorOperators.ASHR, 16).add(pl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d * sm[2 * g] * x.d[blo]), acc);
                acc = ((FloatVector) ph.lanewise(VectorOperators.ASHR, 16).add(ph.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d * sm[2 * g + 1] * x.d[blo + 1]), acc);
                minSum += dmin * (sm[8 + 2 * g] * x.d[blo] * x.sums[blo] + sm[8 + 2 * g + 1] * x.d[blo + 1] * x.sums[blo + 1]);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }

    /** Four vectors per weight load; each vector's arithmetic is exactly {@link #dot1}'s. */
    private void dot4(int row, Q8Activations[] xs, int o, float[][] outs) {
        int blocks = cols / BLOCK;
        long at0 = (long) row * blocks * BYTES;
        int[] sm = new int[16];
        for (int k = 0; k < 4; k += 2) {
            // two vectors per pass keep the accumulators and the unpacked nibbles in registers
            Q8Activations x = xs[o + k], y = xs[o + k + 1];
            FloatVector ax = FloatVector.zero(F8), ay = ax;
            float mx = 0f, my = 0f;
            long at = at0;
            for (int b = 0; b < blocks; b++, at += BYTES) {
                float d = f16(data, at);
                float dmin = f16(data, at + 2);
                {
                // the scales inline: a call here would force the live vectors out of registers
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
                long qs = at + 16;
                for (int g = 0; g < 4; g++) {
                    int blo = b * 8 + 2 * g;
                    int xi = blo * 32;
                    ByteVector q0 = ByteVector.fromMemorySegment(B16, data, qs + 32 * g, LE);
                    ByteVector q1 = ByteVector.fromMemorySegment(B16, data, qs + 32 * g + 16, LE);
                    // widened once, the nibbles split on 16-bit lanes (the sign extension is masked away)
                    ShortVector w0 = (ShortVector) q0.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector w1 = (ShortVector) q1.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector l0 = w0.and((short) 0x0f), l1 = w1.and((short) 0x0f);
                    ShortVector h0 = w0.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f), h1 = w1.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f);
                    IntVector pl = l0.mul(ShortVector.fromArray(S, x.q, xi)).add(l1.mul(ShortVector.fromArray(S, x.q, xi + 16))).reinterpretAsInts();
                    IntVector ph = h0.mul(ShortVector.fromArray(S, x.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, x.q, xi + 48))).reinterpretAsInts();
                    ax = ((FloatVector) pl.lanewise(VectorOperators.ASHR, 16).add(pl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d * sm[2 * g] * x.d[blo]), ax);
                    ax = ((FloatVector) ph.lanewise(VectorOperators.ASHR, 16).add(ph.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d * sm[2 * g + 1] * x.d[blo + 1]), ax);
                    mx += dmin * (sm[8 + 2 * g] * x.d[blo] * x.sums[blo] + sm[8 + 2 * g + 1] * x.d[blo + 1] * x.sums[blo + 1]);
                    IntVector ql = l0.mul(ShortVector.fromArray(S, y.q, xi)).add(l1.mul(ShortVector.fromArray(S, y.q, xi + 16))).reinterpretAsInts();
                    IntVector qh = h0.mul(ShortVector.fromArray(S, y.q, xi + 32)).add(h1.mul(ShortVector.fromArray(S, y.q, xi + 48))).reinterpretAsInts();
                    ay = ((FloatVector) ql.lanewise(VectorOperators.ASHR, 16).add(ql.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d * sm[2 * g] * y.d[blo]), ay);
                    ay = ((FloatVector) qh.lanewise(VectorOperators.ASHR, 16).add(qh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, d * sm[2 * g + 1] * y.d[blo + 1]), ay);
                    my += dmin * (sm[8 + 2 * g] * y.d[blo] * y.sums[blo] + sm[8 + 2 * g + 1] * y.d[blo + 1] * y.sums[blo + 1]);
                }
            }
            outs[o + k][row] = ax.reduceLanes(VectorOperators.ADD) - mx;
            outs[o + k + 1][row] = ay.reduceLanes(VectorOperators.ADD) - my;
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
