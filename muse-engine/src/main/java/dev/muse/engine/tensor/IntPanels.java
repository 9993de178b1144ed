package dev.muse.engine.tensor;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.I2F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Integer GEMM with the tokens in the lanes, for Q4_0 prompt chunks on AVX-512. The row-group kernels put rows in
 * the lanes and broadcast each activation pair, one broadcast per one or two multiplies; here a panel holds one
 * activation pair of 64 tokens (four vectors) and each weight pair is broadcast once for four of them.
 *
 * <p>Pairs use the row-group kernels' trick: a lane {@code (a << 16) + b} times {@code (c << 16) + d} leaves
 * {@code a·d + b·c} in the upper half. A weight pair is block element j's and j+16's nibbles minus 8 (one quant
 * byte), an activation pair elements j+16 and j of the token's 8-bit block, so a block's 16 products sum to its dot
 * product: |Σ| ≤ 16·2·8·127 = 32 512 and the low halves' sum |Σ| ≤ 16·8·127, so one rounding shift per block takes
 * it out exactly (the accumulators start at 2^15). Each block's integer dot then takes both scales in float, as
 * llama.cpp's kernels do.
 *
 * <p>Only matrices that {@link Tensor#allowPromptPanels allow} it take the panels (the transformer's FFN ones): with
 * every matrix on panels, decoding's batch kernel was first compiled in a batch of agents, after the prompts, and C2
 * left its vectors boxed in most JVM starts (8 sequences 76–118 t/s against 133–145; a sweep's median 0.63×
 * llama.cpp against 0.96–1.00× with the attention products on the row groups). The attention matrices also gain
 * least (2048×2048 at 128 vectors, two threads: 181 → 202 G multiply-adds/s, against 167 → 229–244 for 2048×8192).
 */
final class IntPanels {
    private IntPanels() {}

    static final VectorSpecies<Integer> I = Tensor.I16;
    static final VectorSpecies<Float> F = Tensor.F16;
    /** Tokens per panel: four 512-bit vectors. */
    static final int TOKENS = 64;
    /** Chunks with a last panel of fewer tokens leave them to the row-group kernels (padding would cost more). */
    static final int FROM = 48;
    /** Rows per kernel call: with four panel vectors, 16 accumulators. */
    static final int ROWS = 4;
    /** Prompt chunks take the panels where 512-bit vectors run, unless {@code -Dmuse.engine.intPanels=false}. */
    static final boolean ENABLED = Tensor.WIDE && !"false".equals(System.getProperty("muse.engine.intPanels"));

    /** How many of {@code n} vectors go through panels: whole panels, and a last one of at least {@link #FROM}. */
    static int panelled(int n) {
        return n % TOKENS >= FROM ? n : n - n % TOKENS;
    }

    /**
     * Panel {@code p} of vectors {@code xs[p·64 ..]}: pair j of block b at {@code ((b·16 + j)·64 + t)} for token t,
     * block scales at {@code scales[b·64 + t]}; tokens past {@code n} are zero.
     */
    static void build(Q8Activations[] xs, int n, int p, int cols, int[] pairs, float[] scales) {
        int blocks = cols / 32, t0 = p * TOKENS, count = Math.min(TOKENS, n - t0);
        for (int t = 0; t < TOKENS; t++) {
            if (t >= count) {
                for (int k = 0; k < cols / 2; k++) pairs[k * TOKENS + t] = 0;
                for (int b = 0; b < blocks; b++) scales[b * TOKENS + t] = 0f;
                continue;
            }
            Q8Activations x = xs[t0 + t];
            short[] q = x.q;
            for (int b = 0; b < blocks; b++) {
                scales[b * TOKENS + t] = x.d[b];
                for (int j = 0; j < 16; j++) pairs[(b * 16 + j) * TOKENS + t] = (q[b * 32 + j + 16] << 16) + q[b * 32 + j];
            }
        }
    }

    /**
     * Adds block {@code b} of four rows (weight pairs {@code w[r·stride + b·16 + j]}, scales {@code dw[r·blocks + b]})
     * times one panel to {@code tile} (row r's 64 tokens at {@code r·64}).
     */
    static void block(int b, int[] w, int stride, float[] dw, int blocks, int[] pairs, float[] scales, float[] tile) {
        IntVector z = IntVector.broadcast(I, 0x8000); // the rounding of the final shift
        IntVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        IntVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
        for (int j = 0; j < 16; j++) {
            int k = b * 16 + j, at = k * TOKENS;
            IntVector x0 = IntVector.fromArray(I, pairs, at), x1 = IntVector.fromArray(I, pairs, at + 16);
            IntVector x2 = IntVector.fromArray(I, pairs, at + 32), x3 = IntVector.fromArray(I, pairs, at + 48);
            IntVector wa = IntVector.broadcast(I, w[k]), wb = IntVector.broadcast(I, w[stride + k]);
            IntVector wc = IntVector.broadcast(I, w[2 * stride + k]), wd = IntVector.broadcast(I, w[3 * stride + k]);
            a0 = a0.add(x0.mul(wa));
            a1 = a1.add(x1.mul(wa));
            a2 = a2.add(x2.mul(wa));
            a3 = a3.add(x3.mul(wa));
            b0 = b0.add(x0.mul(wb));
            b1 = b1.add(x1.mul(wb));
            b2 = b2.add(x2.mul(wb));
            b3 = b3.add(x3.mul(wb));
            c0 = c0.add(x0.mul(wc));
            c1 = c1.add(x1.mul(wc));
            c2 = c2.add(x2.mul(wc));
            c3 = c3.add(x3.mul(wc));
            d0 = d0.add(x0.mul(wd));
            d1 = d1.add(x1.mul(wd));
            d2 = d2.add(x2.mul(wd));
            d3 = d3.add(x3.mul(wd));
        }
        // each block's dot is the accumulator's upper half; written out by hand, as a helper method C2 did not inline
        int s = b * TOKENS;
        FloatVector s0 = FloatVector.fromArray(F, scales, s), s1 = FloatVector.fromArray(F, scales, s + 16);
        FloatVector s2 = FloatVector.fromArray(F, scales, s + 32), s3 = FloatVector.fromArray(F, scales, s + 48);
        float e = dw[b];
        ((FloatVector) a0.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s0.mul(e), FloatVector.fromArray(F, tile, 0)).intoArray(tile, 0);
        ((FloatVector) a1.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s1.mul(e), FloatVector.fromArray(F, tile, 16)).intoArray(tile, 16);
        ((FloatVector) a2.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s2.mul(e), FloatVector.fromArray(F, tile, 32)).intoArray(tile, 32);
        ((FloatVector) a3.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s3.mul(e), FloatVector.fromArray(F, tile, 48)).intoArray(tile, 48);
        e = dw[blocks + b];
        ((FloatVector) b0.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s0.mul(e), FloatVector.fromArray(F, tile, 64)).intoArray(tile, 64);
        ((FloatVector) b1.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s1.mul(e), FloatVector.fromArray(F, tile, 80)).intoArray(tile, 80);
        ((FloatVector) b2.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s2.mul(e), FloatVector.fromArray(F, tile, 96)).intoArray(tile, 96);
        ((FloatVector) b3.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s3.mul(e), FloatVector.fromArray(F, tile, 112)).intoArray(tile, 112);
        e = dw[2 * blocks + b];
        ((FloatVector) c0.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s0.mul(e), FloatVector.fromArray(F, tile, 128)).intoArray(tile, 128);
        ((FloatVector) c1.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s1.mul(e), FloatVector.fromArray(F, tile, 144)).intoArray(tile, 144);
        ((FloatVector) c2.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s2.mul(e), FloatVector.fromArray(F, tile, 160)).intoArray(tile, 160);
        ((FloatVector) c3.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s3.mul(e), FloatVector.fromArray(F, tile, 176)).intoArray(tile, 176);
        e = dw[3 * blocks + b];
        ((FloatVector) d0.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s0.mul(e), FloatVector.fromArray(F, tile, 192)).intoArray(tile, 192);
        ((FloatVector) d1.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s1.mul(e), FloatVector.fromArray(F, tile, 208)).intoArray(tile, 208);
        ((FloatVector) d2.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s2.mul(e), FloatVector.fromArray(F, tile, 224)).intoArray(tile, 224);
        ((FloatVector) d3.lanewise(ASHR, 16).convertShape(I2F, F, 0)).fma(s3.mul(e), FloatVector.fromArray(F, tile, 240)).intoArray(tile, 240);
    }
}
