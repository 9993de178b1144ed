package dev.muse.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float matrix-matrix kernel for prompt chunks: four weight rows (already unpacked to floats) against three
 * activation vectors at a time, twelve accumulators in registers, so each loaded weight serves three tokens and each
 * loaded activation four rows — seven loads per twelve multiply-adds instead of two per one. Everything stays in
 * one method so the JIT keeps the vectors in registers.
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

    /** Whether {@link #block4x3} can run on rows of {@code cols}. */
    static boolean fits(int cols) {
        return cols % F.length() == 0;
    }
}
