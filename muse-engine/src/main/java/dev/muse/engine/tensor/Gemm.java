package dev.muse.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float matrix-matrix kernels for prompt chunks and decode batches. Prompt chunks take {@link #panel4} (weights
 * broadcast against panels of 64 tokens: four vectors on AVX-512, eight on AVX2). The tile: four weight rows (already unpacked to floats)
 * against three activation vectors at a time (twelve accumulators: AVX2's 16 registers), or four on AVX-512 (sixteen
 * accumulators in its 32 registers), so each loaded weight serves several tokens and each loaded activation four rows
 * — seven loads per twelve multiply-adds, or eight per sixteen, instead of two per one. Each tile is one method so
 * the JIT keeps the vectors in registers.
 *
 * <p>A call covers at most {@link #BLOCK} columns and adds into its outputs after the first block. That bound is for
 * C2: it strip-mines a counted loop it cannot prove shorter than 100 steps ({@code LoopStripMiningIterShortLoop}),
 * putting a safepoint poll in an outer loop, and with a tile's accumulators live across that poll its register
 * allocator split them into register moves and a stack spill each step — the 4×4 tile ran 131 GFLOP/s per core
 * with everything in L1 against 213 with no poll (Zen 5, whose FMA peak is ~267). With the trip count bounded by
 * {@code min(to - from, BLOCK)} (64 steps of 16 lanes) C2 drops the poll. A block of four rows (16 KB) also stays in
 * L1 while the caller runs every vector past it.
 */
final class Gemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Gemm() {}

    /**
     * Columns per kernel call: 64 vector steps with AVX-512, under C2's short-loop bound of 100. AVX2's 4×3 tile (16
     * values in 16 registers) spills whatever the bound, so its 128 steps are left as they are: it runs as before
     * (27–28 G multiply-adds/s, F16 2048×2048, 32 vectors, one thread, {@code -XX:UseAVX=2} on the Zen 5).
     */
    static final int BLOCK = 1024;

    /**
     * {@code outs[i + v][row + q] (+)= w_q · xs[i + v]} over columns {@code from} to {@code to} (at most {@link #BLOCK}
     * of them, a multiple of the lane count), for q &lt; 4, v &lt; 3: stored when {@code from == 0}, added otherwise.
     */
    static void block4x3(float[] w0, float[] w1, float[] w2, float[] w3, float[][] xs, int i, int from, int to,
            float[][] outs, int row) {
        float[] x0 = xs[i], x1 = xs[i + 1], x2 = xs[i + 2];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        int length = Math.min(to - from, BLOCK); // the bound C2 needs to leave out the safepoint poll
        for (int j = 0; j < length; j += F.length()) {
            int k = from + j;
            FloatVector v0 = FloatVector.fromArray(F, x0, k);
            FloatVector v1 = FloatVector.fromArray(F, x1, k);
            FloatVector v2 = FloatVector.fromArray(F, x2, k);
            FloatVector w = FloatVector.fromArray(F, w0, k);
            a00 = w.fma(v0, a00);
            a01 = w.fma(v1, a01);
            a02 = w.fma(v2, a02);
            w = FloatVector.fromArray(F, w1, k);
            a10 = w.fma(v0, a10);
            a11 = w.fma(v1, a11);
            a12 = w.fma(v2, a12);
            w = FloatVector.fromArray(F, w2, k);
            a20 = w.fma(v0, a20);
            a21 = w.fma(v1, a21);
            a22 = w.fma(v2, a22);
            w = FloatVector.fromArray(F, w3, k);
            a30 = w.fma(v0, a30);
            a31 = w.fma(v1, a31);
            a32 = w.fma(v2, a32);
        }
        boolean first = from == 0;
        put(outs[i], row, first, a00, a10, a20, a30);
        put(outs[i + 1], row, first, a01, a11, a21, a31);
        put(outs[i + 2], row, first, a02, a12, a22, a32);
    }

    /**
     * Four rows × four vectors, sixteen accumulators: on AVX-512 (32 vector registers, 16 float lanes) this keeps
     * everything in registers and runs about 1.3–1.45× the useful FLOP/s of {@link #block4x3} (measured per core on
     * the Zen 4: ~100 against ~75 GFLOP/s at 32 vectors, ~90 against ~62 at 8). With 16 registers (AVX2) it would
     * spill.
     */
    static void block4x4(float[] w0, float[] w1, float[] w2, float[] w3, float[][] xs, int i, int from, int to,
            float[][] outs, int row) {
        float[] x0 = xs[i], x1 = xs[i + 1], x2 = xs[i + 2], x3 = xs[i + 3];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int length = Math.min(to - from, BLOCK);
        for (int j = 0; j < length; j += F.length()) {
            int k = from + j;
            FloatVector v0 = FloatVector.fromArray(F, x0, k), v1 = FloatVector.fromArray(F, x1, k);
            FloatVector v2 = FloatVector.fromArray(F, x2, k), v3 = FloatVector.fromArray(F, x3, k);
            FloatVector w = FloatVector.fromArray(F, w0, k);
            a00 = w.fma(v0, a00); a01 = w.fma(v1, a01); a02 = w.fma(v2, a02); a03 = w.fma(v3, a03);
            w = FloatVector.fromArray(F, w1, k);
            a10 = w.fma(v0, a10); a11 = w.fma(v1, a11); a12 = w.fma(v2, a12); a13 = w.fma(v3, a13);
            w = FloatVector.fromArray(F, w2, k);
            a20 = w.fma(v0, a20); a21 = w.fma(v1, a21); a22 = w.fma(v2, a22); a23 = w.fma(v3, a23);
            w = FloatVector.fromArray(F, w3, k);
            a30 = w.fma(v0, a30); a31 = w.fma(v1, a31); a32 = w.fma(v2, a32); a33 = w.fma(v3, a33);
        }
        boolean first = from == 0;
        put(outs[i], row, first, a00, a10, a20, a30);
        put(outs[i + 1], row, first, a01, a11, a21, a31);
        put(outs[i + 2], row, first, a02, a12, a22, a32);
        put(outs[i + 3], row, first, a03, a13, a23, a33);
    }

    /**
     * One vector's sums for four rows from {@code row}: stored for the first block, added for later ones. Taking
     * the reduced floats instead ran AVX2's 4×3 tile at 24–27 against 27–28 G multiply-adds/s (as in
     * {@link #BLOCK}'s note) and changed nothing with AVX-512.
     */
    private static void put(float[] out, int row, boolean first, FloatVector r0, FloatVector r1, FloatVector r2, FloatVector r3) {
        float s0 = r0.reduceLanes(VectorOperators.ADD), s1 = r1.reduceLanes(VectorOperators.ADD);
        float s2 = r2.reduceLanes(VectorOperators.ADD), s3 = r3.reduceLanes(VectorOperators.ADD);
        if (first) {
            out[row] = s0; out[row + 1] = s1; out[row + 2] = s2; out[row + 3] = s3;
        } else {
            out[row] += s0; out[row + 1] += s1; out[row + 2] += s2; out[row + 3] += s3;
        }
    }

    /** Tokens per activation panel: four vectors of 16 lanes on AVX-512, eight of 8 on AVX2. */
    static final int PANEL = 64;
    /** A last panel with at least this many tokens is padded; fewer take the tile (a padded panel lost at 32). */
    static final int PANEL_FROM = 48;
    /** Columns per {@link #panel4x4} call: under C2's short-loop bound, as {@link #BLOCK} is. */
    static final int PANEL_COLS = 64;

    /**
     * The activations of {@code n} vectors, {@code cols} wide, as panels of {@link #PANEL} tokens: panel p holds
     * column k of token {@code p·PANEL + t} at {@code k·PANEL + t}, so one column of a panel's tokens is four
     * contiguous vectors. Tokens past {@code n} in the last panel are zeros. Written {@link #PANEL_COLS} columns at a
     * time, so a 16 KB block of the panel stays in L1 while every token fills its column of it: for 128 tokens on one
     * thread 0.07 against 0.16 ms at 2048 columns, 0.29 against 0.68 at 8192, token by token over whole rows. The
     * blocks are shared between the threads (two: 0.05–0.12 and 0.19–0.22 ms).
     */
    static float[][] panels(float[][] xs, int n, int cols, float[][] buffers, Parallel parallel) {
        int count = (n + PANEL - 1) / PANEL, blocks = (cols + PANEL_COLS - 1) / PANEL_COLS;
        parallel.forJobs(count * blocks, (from, to) -> {
            for (int job = from; job < to; job++) {
                int p = job / blocks, k0 = job % blocks * PANEL_COLS, k1 = Math.min(cols, k0 + PANEL_COLS);
                float[] panel = buffers[p];
                int tokens = Math.min(PANEL, n - p * PANEL);
                if (tokens < PANEL) java.util.Arrays.fill(panel, k0 * PANEL, k1 * PANEL, 0f);
                for (int t = 0; t < tokens; t++) {
                    float[] x = xs[p * PANEL + t];
                    for (int k = k0; k < k1; k++) panel[k * PANEL + t] = x[k];
                }
            }
        });
        return buffers;
    }

    /**
     * Four weight rows × one panel's 64 tokens over columns {@code from} to {@code from + min(length,
     * PANEL_COLS)}: each step broadcasts one weight per row against the panel's column (four vectors), sixteen
     * accumulators holding 16 tokens' sums each, so no lanes are reduced. The sums go to {@code c[off + q·PANEL +
     * t]} (row q, token t): stored when {@code first}, added otherwise.
     */
    static void panel4x4(float[] w0, float[] w1, float[] w2, float[] w3, float[] panel, int from, int length,
            float[] c, int off, boolean first) {
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (first) {
            a00 = FloatVector.zero(F); a01 = a00; a02 = a00; a03 = a00; a10 = a00; a11 = a00; a12 = a00; a13 = a00;
            a20 = a00; a21 = a00; a22 = a00; a23 = a00; a30 = a00; a31 = a00; a32 = a00; a33 = a00;
        } else {
            a00 = FloatVector.fromArray(F, c, off); a01 = FloatVector.fromArray(F, c, off + 16);
            a02 = FloatVector.fromArray(F, c, off + 32); a03 = FloatVector.fromArray(F, c, off + 48);
            a10 = FloatVector.fromArray(F, c, off + 64); a11 = FloatVector.fromArray(F, c, off + 80);
            a12 = FloatVector.fromArray(F, c, off + 96); a13 = FloatVector.fromArray(F, c, off + 112);
            a20 = FloatVector.fromArray(F, c, off + 128); a21 = FloatVector.fromArray(F, c, off + 144);
            a22 = FloatVector.fromArray(F, c, off + 160); a23 = FloatVector.fromArray(F, c, off + 176);
            a30 = FloatVector.fromArray(F, c, off + 192); a31 = FloatVector.fromArray(F, c, off + 208);
            a32 = FloatVector.fromArray(F, c, off + 224); a33 = FloatVector.fromArray(F, c, off + 240);
        }
        int steps = Math.min(length, PANEL_COLS); // the bound C2 needs to leave out the safepoint poll
        for (int j = 0; j < steps; j++) {
            int k = from + j, at = k * PANEL;
            FloatVector x0 = FloatVector.fromArray(F, panel, at), x1 = FloatVector.fromArray(F, panel, at + 16);
            FloatVector x2 = FloatVector.fromArray(F, panel, at + 32), x3 = FloatVector.fromArray(F, panel, at + 48);
            FloatVector b = FloatVector.broadcast(F, w0[k]);
            a00 = b.fma(x0, a00); a01 = b.fma(x1, a01); a02 = b.fma(x2, a02); a03 = b.fma(x3, a03);
            b = FloatVector.broadcast(F, w1[k]);
            a10 = b.fma(x0, a10); a11 = b.fma(x1, a11); a12 = b.fma(x2, a12); a13 = b.fma(x3, a13);
            b = FloatVector.broadcast(F, w2[k]);
            a20 = b.fma(x0, a20); a21 = b.fma(x1, a21); a22 = b.fma(x2, a22); a23 = b.fma(x3, a23);
            b = FloatVector.broadcast(F, w3[k]);
            a30 = b.fma(x0, a30); a31 = b.fma(x1, a31); a32 = b.fma(x2, a32); a33 = b.fma(x3, a33);
        }
        a00.intoArray(c, off); a01.intoArray(c, off + 16); a02.intoArray(c, off + 32); a03.intoArray(c, off + 48);
        a10.intoArray(c, off + 64); a11.intoArray(c, off + 80); a12.intoArray(c, off + 96); a13.intoArray(c, off + 112);
        a20.intoArray(c, off + 128); a21.intoArray(c, off + 144); a22.intoArray(c, off + 160); a23.intoArray(c, off + 176);
        a30.intoArray(c, off + 192); a31.intoArray(c, off + 208); a32.intoArray(c, off + 224); a33.intoArray(c, off + 240);
    }

    /**
     * Four weight rows × one panel (see {@link #panel4x4}): on AVX-512 that kernel, on AVX2 {@link #panel1x8} once per
     * row.
     */
    static void panel4(float[] w0, float[] w1, float[] w2, float[] w3, float[] panel, int from, int length,
            float[] c, int off, boolean first) {
        if (F.length() == 16) {
            panel4x4(w0, w1, w2, w3, panel, from, length, c, off, first);
        } else {
            panel1x8(w0, panel, from, length, c, off, first);
            panel1x8(w1, panel, from, length, c, off + PANEL, first);
            panel1x8(w2, panel, from, length, c, off + 2 * PANEL, first);
            panel1x8(w3, panel, from, length, c, off + 3 * PANEL, first);
        }
    }

    /**
     * One weight row × one panel on 8-lane vectors (AVX2): eight accumulators, one broadcast and eight multiply-adds
     * that take the panel's column straight from memory per step. AVX2 has 16 registers, and C2 unrolls these loops
     * four times and loads ahead: with two rows × four vectors it spilled accumulators every step, and one row ×
     * four vectors left only four chains of multiply-adds in flight (1B F16 prompts, {@code -XX:UseAVX=2} on the
     * Zen 5, two threads: the AVX2 tile 52–54 t/s, two rows × four 50–55, one row × four 62–67, this kernel 73–74).
     */
    static void panel1x8(float[] w, float[] panel, int from, int length, float[] c, int off, boolean first) {
        int l = F.length();
        FloatVector a0, a1, a2, a3, a4, a5, a6, a7;
        if (first) {
            a0 = FloatVector.zero(F); a1 = a0; a2 = a0; a3 = a0; a4 = a0; a5 = a0; a6 = a0; a7 = a0;
        } else {
            a0 = FloatVector.fromArray(F, c, off); a1 = FloatVector.fromArray(F, c, off + l);
            a2 = FloatVector.fromArray(F, c, off + 2 * l); a3 = FloatVector.fromArray(F, c, off + 3 * l);
            a4 = FloatVector.fromArray(F, c, off + 4 * l); a5 = FloatVector.fromArray(F, c, off + 5 * l);
            a6 = FloatVector.fromArray(F, c, off + 6 * l); a7 = FloatVector.fromArray(F, c, off + 7 * l);
        }
        int steps = Math.min(length, PANEL_COLS); // the bound C2 needs to leave out the safepoint poll
        for (int j = 0; j < steps; j++) {
            int k = from + j, at = k * PANEL;
            FloatVector b = FloatVector.broadcast(F, w[k]);
            a0 = b.fma(FloatVector.fromArray(F, panel, at), a0); a1 = b.fma(FloatVector.fromArray(F, panel, at + l), a1);
            a2 = b.fma(FloatVector.fromArray(F, panel, at + 2 * l), a2); a3 = b.fma(FloatVector.fromArray(F, panel, at + 3 * l), a3);
            a4 = b.fma(FloatVector.fromArray(F, panel, at + 4 * l), a4); a5 = b.fma(FloatVector.fromArray(F, panel, at + 5 * l), a5);
            a6 = b.fma(FloatVector.fromArray(F, panel, at + 6 * l), a6); a7 = b.fma(FloatVector.fromArray(F, panel, at + 7 * l), a7);
        }
        a0.intoArray(c, off); a1.intoArray(c, off + l); a2.intoArray(c, off + 2 * l); a3.intoArray(c, off + 3 * l);
        a4.intoArray(c, off + 4 * l); a5.intoArray(c, off + 5 * l); a6.intoArray(c, off + 6 * l); a7.intoArray(c, off + 7 * l);
    }

    /** Whether prompt chunks take the panels: 16 float lanes (AVX-512) or 8 (AVX2). */
    static final boolean PANELS = (F.length() == 16 || F.length() == 8) && !"false".equals(System.getProperty("muse.engine.panels"));

    /** Whether the wider {@link #block4x4} tile fits the machine's registers: AVX-512 has 32, AVX2 16. */
    static final boolean FOUR_BY_FOUR = F.length() >= 16;

    /** Whether {@link #block4x3} can run on rows of {@code cols}. */
    static boolean fits(int cols) {
        return cols % F.length() == 0;
    }
}
