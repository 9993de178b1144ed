package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The prompt-chunk kernels (rows unpacked to floats, four rows × three or four vectors per step, or × a panel of 64
 * tokens) against the scalar reference
 * dot of every row with every vector: they differ only in summation order, so 1e-5 of Σ|w·x|. Also checks that
 * the vector unpacking gives exactly the scalar dequantiser's values.
 */
class GemmTest {
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void prompt_chunk_product_should_match_the_scalar_dot_of_every_row_and_vector(GgmlType type) {
        Tensor t = TensorKernelTest.random(type, 21, null); // 7 rows: one block of four and three left over
        for (int n = 24; n <= 28; n++) check(t, n);          // past every type's threshold; 0-3 vectors left over a tile
    }

    /**
     * Rows longer than {@link Gemm#BLOCK}: 2816 columns are whole column blocks and a part one, summed per row.
     * 42 rows on two threads are claimed as chunks of 16, 16 and 10 rows: sixteen unpacked together, or eight and
     * two left to the row dot.
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q4_K", "Q6_K"})
    void long_rows_should_sum_their_column_blocks(GgmlType type) {
        check(longRows(type, 23), 30);
    }

    /**
     * Prompt-sized batches, which AVX-512 machines run through 64-vector panels: one whole panel (64), a whole one
     * and 36 left to the tile (100), a whole one and a padded one of 48 (112), two whole ones (128). 42 rows of 2816
     * columns: 44 panel column steps per panel, rows in chunks of 16, 16 and 10 (eight unpacked, two to the row dot).
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q6_K"})
    void prompt_sized_batches_should_match_the_scalar_dot_of_every_row_and_vector(GgmlType type) {
        Tensor t = longRows(type, 29);
        for (int n : new int[] {64, 100, 112, 128}) check(t, n);
    }

    /**
     * Q4_0 prompt chunks of a matrix that allows the integer panels (as the transformer's FFN matrices do), which
     * AVX-512 machines run through {@link IntPanels}: a padded panel alone (48), one whole panel (64), a whole one and
     * 36 left to the row groups (100), a whole one and a padded one (112), two whole ones (128). 46 rows of 2816
     * columns on two threads: chunks of 16, 16 and 14 rows, so a last set of four repeats a row. The panels sum each
     * block exactly in integers; only the float order differs from the scalar dot of the 8-bit activations.
     */
    @Test
    void q4_0_prompt_chunks_through_integer_panels_should_match_the_scalar_dot_of_every_row_and_vector() {
        Tensor t = randomRows(GgmlType.Q4_0, 46, 37);
        t.allowPromptPanels();
        for (int n : new int[] {48, 64, 100, 112, 128}) check(t, n);
    }

    /** 42 random rows of 2816 columns as {@code type}. */
    private static Tensor longRows(GgmlType type, long seed) {
        return randomRows(type, 42, seed);
    }

    /** {@code rows} random rows of 2816 columns as {@code type}. */
    private static Tensor randomRows(GgmlType type, int rows, long seed) {
        int cols = 2816;
        java.util.Random random = new java.util.Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.5f;
        return Tensor.of("w", type, new long[] {cols, rows}, java.lang.foreign.MemorySegment.ofArray(Quantizer.quantize(type, w)));
    }

    private static void check(Tensor t, int n) {
        GgmlType type = t.type();
        float[][] xs = new float[n][];
        float[][] outs = new float[n][t.rows()];
        for (int i = 0; i < n; i++) xs[i] = java.util.Arrays.copyOf(TensorKernelTest.randomVector(40 + i), t.cols());
        for (int i = 0; i < n; i++) {
            for (int k = TensorKernelTest.COLS; k < t.cols(); k++) xs[i][k] = xs[i][k % TensorKernelTest.COLS] * 0.7f;
        }
        try (Parallel p = new Parallel(2)) {
            t.matmul(n, xs, outs, p);
        }
        // types with integer kernels multiply 8-bit activations on every path, the float tiles included
        float[][] seen = new float[n][];
        for (int i = 0; i < n; i++) seen[i] = Tensor.INT_OK && t.integerDot() ? IntegerKernelTest.valuesOf(Q8Activations.of(xs[i], t.cols())) : xs[i];
        float[] row = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.dequantizeRow(r, row, 0);
            for (int i = 0; i < n; i++) {
                double magnitude = 0;
                for (int k = 0; k < row.length; k++) magnitude += Math.abs((double) row[k] * seen[i][k]);
                assertThat((double) outs[i][r]).as("%s row %d vector %d", type, r, i)
                        .isCloseTo(t.dotScalar(r, seen[i], 0), within(1e-5 * magnitude + 1e-6));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void vector_unpacking_should_give_exactly_the_scalar_values(GgmlType type) {
        Tensor t = TensorKernelTest.random(type, 22, null);
        float[] fast = new float[t.cols()];
        float[] reference = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.unpackRow(r, fast);
            t.dequantizeRow(r, reference, 0);
            assertThat(fast).as("%s row %d", type, r).containsExactly(reference);
        }
    }

    /**
     * The panel kernel alone: 1000 columns are 15 calls of {@link Gemm#PANEL_COLS} and a part one, the first storing
     * its sums and the others adding to them; the padded tokens' sums stay zero.
     */
    @org.junit.jupiter.api.Test
    void panel_kernel_should_give_every_row_times_token_product() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.PANELS, "the panel kernels need 16 or 8 float lanes (AVX-512 or AVX2)");
        int cols = 1000, tokens = 50;
        java.util.Random random = new java.util.Random(7);
        float[][] w = new float[4][cols];
        float[][] xs = new float[tokens][cols];
        for (float[] a : w) for (int k = 0; k < cols; k++) a[k] = (float) random.nextGaussian();
        for (float[] a : xs) for (int k = 0; k < cols; k++) a[k] = (float) random.nextGaussian();
        float[] panel = new float[cols * Gemm.PANEL];
        java.util.Arrays.fill(panel, Float.NaN); // a reused buffer: the padded tokens must be zeroed
        try (Parallel p = new Parallel(2)) {
            Gemm.panels(xs, tokens, cols, new float[][] {panel}, p);
        }
        float[] sums = new float[4 * Gemm.PANEL + 3];
        java.util.Arrays.fill(sums, Float.NaN); // a first call must store, not add
        for (int k = 0; k < cols; k += Gemm.PANEL_COLS) Gemm.panel4(w[0], w[1], w[2], w[3], panel, k, cols - k, sums, 3, k == 0);
        for (int r = 0; r < 4; r++) {
            for (int v = 0; v < Gemm.PANEL; v++) {
                double exact = 0, magnitude = 0;
                for (int k = 0; v < tokens && k < cols; k++) {
                    exact += (double) w[r][k] * xs[v][k];
                    magnitude += Math.abs((double) w[r][k] * xs[v][k]);
                }
                assertThat((double) sums[3 + r * Gemm.PANEL + v]).as("row %d token %d", r, v).isCloseTo(exact, within(1e-5 * magnitude));
            }
        }
        assertThat(sums[0]).as("before the offset").isNaN();
    }

    /** 2816 columns: whole blocks of {@link Gemm#BLOCK} and a part block, summed across the calls. */
    @org.junit.jupiter.api.Test
    void both_register_tiles_should_give_every_row_times_vector_product() {
        int cols = 2816;
        java.util.Random random = new java.util.Random(5);
        float[][] w = new float[4][cols];
        float[][] xs = new float[4][cols];
        for (float[] a : w) for (int k = 0; k < cols; k++) a[k] = (float) random.nextGaussian();
        for (float[] a : xs) for (int k = 0; k < cols; k++) a[k] = (float) random.nextGaussian();
        double[][] magnitude = new double[4][4];
        for (int r = 0; r < 4; r++) {
            for (int v = 0; v < 4; v++) for (int k = 0; k < cols; k++) magnitude[r][v] += Math.abs((double) w[r][k] * xs[v][k]);
        }
        float[][] three = new float[4][4];
        float[][] four = new float[4][4];
        for (int k = 0; k < cols; k += Gemm.BLOCK) {
            int end = Math.min(cols, k + Gemm.BLOCK);
            Gemm.block4x3(w[0], w[1], w[2], w[3], xs, 0, k, end, three, 0); // AVX2 machines take this tile
            Gemm.block4x4(w[0], w[1], w[2], w[3], xs, 0, k, end, four, 0);  // AVX-512 machines this one
        }
        for (int r = 0; r < 4; r++) {
            for (int v = 0; v < 4; v++) {
                double exact = 0;
                for (int k = 0; k < cols; k++) exact += (double) w[r][k] * xs[v][k];
                assertThat((double) four[v][r]).as("4x4 row %d vector %d", r, v).isCloseTo(exact, within(1e-5 * magnitude[r][v]));
                if (v < 3) assertThat((double) three[v][r]).as("4x3 row %d vector %d", r, v).isCloseTo(exact, within(1e-5 * magnitude[r][v]));
            }
        }
    }
}
