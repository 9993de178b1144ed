package dev.muse.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float matrix-matrix kernels for prompt chunks and decode batches: four weight rows (already unpacked to floats)
 * against three activation vectors at a time (twelve accumulators: AVX2's 16 registers), or four on AVX-512 (sixteen
 * accumulators in its 32 registers), so each loaded weight serves several tokens and each loaded activation four rows
 * — seven loads per twelve multiply-adds, or eight per sixteen, instead of two per one. Each tile is one method so
 * the JIT keeps the vectors in registers.
 */
final class Gemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Gemm() {}

    /** {@code outs[i + v][row + q] = w_q · xs[i + v]} for q &lt; 4, v &lt; 3. {@code cols} must be a multiple of the lane count. */
    static void block4x3(float[] w0, float[] w1, float[] w2, float[] w3, float[][] xs, int i, int cols, float[][] outs, int row) {
        float[] x0 = xs[i], x1 = xs[i + 1], x2 = xs[i + 2];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        for (int k = 0; k < cols; k += F.length()) {
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
        outs[i][row] = a00.reduceLanes(VectorOperators.ADD);
        outs[i + 1][row] = a01.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row] = a02.reduceLanes(VectorOperators.ADD);
        outs[i][row + 1] = a10.reduceLanes(VectorOperators.ADD);
        outs[i + 1][row + 1] = a11.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row + 1] = a12.reduceLanes(VectorOperators.ADD);
        outs[i][row + 2] = a20.reduceLanes(VectorOperators.ADD);
        outs[i + 1][row + 2] = a21.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row + 2] = a22.reduceLanes(VectorOperators.ADD);
        outs[i][row + 3] = a30.reduceLanes(VectorOperators.ADD);
        outs[i + 1][row + 3] = a31.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row + 3] = a32.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Four rows × four vectors, sixteen accumulators: on AVX-512 (32 vector registers, 16 float lanes) this keeps
     * everything in registers and runs about 1.3–1.45× the useful FLOP/s of {@link #block4x3} (measured per core:
     * ~100 against ~75 GFLOP/s at 32 vectors, ~90 against ~62 at 8). With 16 registers (AVX2) it would spill.
     */
    static void block4x4(float[] w0, float[] w1, float[] w2, float[] w3, float[][] xs, int i, int cols, float[][] outs, int row) {
        float[] x0 = xs[i], x1 = xs[i + 1], x2 = xs[i + 2], x3 = xs[i + 3];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < cols; k += F.length()) {
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
        outs[i][row] = a00.reduceLanes(VectorOperators.ADD); outs[i + 1][row] = a01.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row] = a02.reduceLanes(VectorOperators.ADD); outs[i + 3][row] = a03.reduceLanes(VectorOperators.ADD);
        outs[i][row + 1] = a10.reduceLanes(VectorOperators.ADD); outs[i + 1][row + 1] = a11.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row + 1] = a12.reduceLanes(VectorOperators.ADD); outs[i + 3][row + 1] = a13.reduceLanes(VectorOperators.ADD);
        outs[i][row + 2] = a20.reduceLanes(VectorOperators.ADD); outs[i + 1][row + 2] = a21.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row + 2] = a22.reduceLanes(VectorOperators.ADD); outs[i + 3][row + 2] = a23.reduceLanes(VectorOperators.ADD);
        outs[i][row + 3] = a30.reduceLanes(VectorOperators.ADD); outs[i + 1][row + 3] = a31.reduceLanes(VectorOperators.ADD);
        outs[i + 2][row + 3] = a32.reduceLanes(VectorOperators.ADD); outs[i + 3][row + 3] = a33.reduceLanes(VectorOperators.ADD);
    }
    /** Whether the wider {@link #block4x4} tile fits the machine's registers: AVX-512 has 32, AVX2 16. */
    static final boolean FOUR_BY_FOUR = F.length() >= 16;

    /** Whether {@link #block4x3} can run on rows of {@code cols}. */
    static boolean fits(int cols) {
        return cols % F.length() == 0;
    }
}
