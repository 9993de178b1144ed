package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The row-group decoding kernels (Q8_0, Q4_0, Q4_K, Q6_K: eight rows interleaved, two weights of a row per 32-bit
 * lane; for the 4- and 6-bit types one multiply for two multiply-adds) against the row kernels on the same 8-bit activations: only float summation order
 * differs, so they agree to 1e-5 of Σ|w·x|, for one to seventeen vectors (the eight- and four-vector kernels, the single ones, or
 * the float tile), on one thread or two; on the integer path a vector's result does not depend on how many share the
 * product; and at the extremes the 16-bit partial sums must hold (every quant at its largest, activations ±127).
 * On AVX-512 machines the build runs this class a second time with {@code -Dmuse.engine.wide=false}, so both the
 * 512-bit kernels and the 256-bit ones other machines take are checked.
 */
class RowGroupKernelTest {
    @BeforeEach
    void needsAvx2Vectors() {
        Assumptions.assumeTrue(Tensor.INT_OK, "the integer kernels need 256-bit vectors; this machine uses the float kernels");
        Assumptions.assumeTrue(Tensor.ROW_GROUPS, "row groups are switched off (-Dmuse.engine.rowGroups=false)");
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void grouped_products_should_match_the_row_kernels(GgmlType type) {
        for (int threads : new int[] {1, 2}) {
            try (Parallel parallel = new Parallel(threads)) {
                Tensor t = KQuantIntegerKernelTest.quantised(type, 40, 512, 5 + threads);
                float[][] xs = new float[41][];
                for (int i = 0; i < xs.length; i++) xs[i] = TensorKernelTest.randomVector(30 + i);
                float[][] alone = new float[xs.length][t.rows()];
                for (int i = 0; i < xs.length; i++) t.matmul(xs[i], alone[i], parallel);
                // from 32 vectors on the activations are prepared by the threads, batch by batch (Tensor.prepareQ8)
                for (int n : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 32, 37, 41}) {
                    float[][] outs = new float[n][t.rows()];
                    t.matmul(n, Arrays.copyOf(xs, n), outs, parallel);
                    assertThat(t.groups != null).as("%s took the row-group layout", type).isEqualTo(hasLayout(type));
                    for (int i = 0; i < n; i++) {
                        String what = "%s, %d threads, vector %d of %d".formatted(type, threads, i, n);
                        assertMatchesRowKernel(t, xs[i], outs[i], what);
                        if (t.integerFor(n) || n < t.groupedBatchLimit()) { // else the float tile
                            assertThat(outs[i]).as("%s: the same as alone", what).containsExactly(alone[i]);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void largest_quants_and_activations_should_not_overflow_the_16_bit_sums(GgmlType type) {
        assertNoOverflow(type, extremes(type, 16, 512));
    }

    /**
     * Q6_K's 512-bit layout stores q − 32, so its largest magnitude is q = 0 (−32), with the scales at −128: four
     * pair products then sum to 4·2·32·127 per rounding shift, the most it allows.
     */
    @Test
    void smallest_q6_k_values_should_not_overflow_the_16_bit_sums() {
        byte[] bytes = new byte[(int) GgmlType.Q6_K.bytesFor(16L * 512)];
        for (int at = 0; at < bytes.length; at += Q6_KTensor.BYTES) {
            Arrays.fill(bytes, at + 192, at + 208, (byte) 0x80);
            short d = Float.floatToFloat16(0.004f);
            bytes[at + 208] = (byte) d;
            bytes[at + 209] = (byte) (d >> 8);
        }
        assertNoOverflow(GgmlType.Q6_K, Tensor.of("w", GgmlType.Q6_K, new long[] {512, 16}, MemorySegment.ofArray(bytes)));
    }

    private static void assertNoOverflow(GgmlType type, Tensor t) {
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) x[i] = (i / 2) % 2 == 0 ? 1f : -1f; // both signs, so the low products go negative
        float[] same = new float[512];
        Arrays.fill(same, 1f);
        for (float[] v : new float[][] {x, same}) {
            float[] out = new float[t.rows()];
            t.matmul(v, out, Parallel.serial());
            assertThat(t.groups != null).isEqualTo(hasLayout(type));
            assertMatchesRowKernel(t, v, out, type + " at the extremes");
            for (int n : new int[] {4, 8}) { // the four- and eight-vector kernels' sums, too
                float[][] outs = new float[n][t.rows()];
                float[][] vs = new float[n][];
                Arrays.fill(vs, v);
                t.matmul(n, vs, outs, Parallel.serial());
                for (float[] o : outs) assertMatchesRowKernel(t, v, o, type + " at the extremes, " + n + " vectors");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void an_odd_block_count_should_give_the_same_products(GgmlType type) {
        // 15 blocks of 32, 3 super-blocks of 256: the 512-bit kernels take blocks in pairs and pad the last with zeros
        checkColumns(type, type.blockSize() == 32 ? 480 : 768, 2);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void rows_longer_than_a_slab_should_give_the_same_products(GgmlType type) {
        // 2816 columns: one slab of 2048 (Tensor.SLAB_COLUMNS), then a narrower one of 11 super-blocks' remainder,
        // each kernel adding its slab's share; on one thread and on two (which split the groups, not the slabs)
        assertThat(2816).isGreaterThan(Tensor.SLAB_COLUMNS);
        for (int threads : new int[] {1, 2}) checkColumns(type, 2816, threads);
    }

    /** 24 rows of {@code cols}: nine vectors alone and together against the row kernels and each other. */
    private static void checkColumns(GgmlType type, int cols, int threads) {
        Tensor t = KQuantIntegerKernelTest.quantised(type, 24, cols, 11);
        float[][] xs = new float[9][];
        for (int i = 0; i < 9; i++) {
            Random rnd = new Random(50 + i);
            xs[i] = new float[cols];
            for (int k = 0; k < cols; k++) xs[i][k] = (float) rnd.nextGaussian();
        }
        try (Parallel parallel = new Parallel(threads)) {
            float[][] alone = new float[9][t.rows()];
            for (int i = 0; i < 9; i++) t.matmul(xs[i], alone[i], parallel);
            float[][] outs = new float[9][t.rows()];
            t.matmul(9, xs, outs, parallel);
            assertThat(t.groups != null).isEqualTo(hasLayout(type));
            for (int i = 0; i < 9; i++) {
                String what = "%s with %d columns, %d threads, vector %d".formatted(type, cols, threads, i);
                assertMatchesRowKernel(t, xs[i], alone[i], what);
                assertMatchesRowKernel(t, xs[i], outs[i], what + " of 9");
                if (t.integerFor(9) || 9 < t.groupedBatchLimit()) assertThat(outs[i]).as("%s: the same as alone", what).containsExactly(alone[i]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void eight_vectors_should_give_the_same_products_by_the_widest_kernel_and_the_next_narrower(GgmlType type) {
        // which of the two a product takes is raced at run time (KernelRace): both must equal the vectors alone
        Tensor t = KQuantIntegerKernelTest.quantised(type, 40, 512, 21);
        float[][] xs = new float[8][];
        for (int i = 0; i < 8; i++) xs[i] = TensorKernelTest.randomVector(60 + i);
        float[][] alone = new float[8][t.rows()];
        for (int i = 0; i < 8; i++) t.matmul(xs[i], alone[i], Parallel.serial());
        KernelRace.Entry race = t.batchRace();
        if (t.batchWidth() == 1) { // no batch kernel of its own (Q5_K; the K-quants on 256-bit vectors): no race
            t.matmul(8, xs, new float[8][t.rows()], Parallel.serial());
            assertThat(race.runs(true) + race.runs(false)).isZero();
            return;
        }
        for (int call = 0; call <= KernelRace.MAX_RETRY && (race.runs(true) == 0 || race.runs(false) == 0); call++) {
            float[][] outs = new float[8][t.rows()];
            t.matmul(8, xs, outs, Parallel.serial());
            for (int i = 0; i < 8; i++) assertThat(outs[i]).as("%s, vector %d, call %d", type, i, call).containsExactly(alone[i]);
        }
        assertThat(race.runs(true)).as("products by the widest kernel").isPositive();
        assertThat(race.runs(false)).as("products by the next narrower").isPositive();
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void subnormal_and_negative_half_scales_should_convert_exactly(GgmlType type) {
        // the 512-bit layouts keep the file's half-float scales and widen them in the kernel
        byte[] bytes = new byte[(int) type.bytesFor(16L * 256)];
        Random rnd = new Random(3);
        rnd.nextBytes(bytes);
        short[] scales = {0x0001, 0x03ff, (short) 0x8200, 0x0400, (short) 0xbc00, 0x0000, (short) 0x8000, 0x2c00};
        for (int at = 0, i = 0; at < bytes.length; at += (int) type.blockBytes(), i++) {
            short v = scales[i % scales.length];
            bytes[at] = (byte) v;
            bytes[at + 1] = (byte) (v >> 8);
        }
        Tensor t = Tensor.of("w", type, new long[] {256, 16}, MemorySegment.ofArray(bytes));
        float[] x = Arrays.copyOf(TensorKernelTest.randomVector(8), 256);
        float[] out = new float[t.rows()];
        t.matmul(x, out, Parallel.serial());
        assertThat(t.groups).isNotNull();
        assertMatchesRowKernel(t, x, out, type + " with subnormal, zero and negative scales");
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void a_row_count_that_is_not_a_multiple_of_eight_should_use_the_row_kernels(GgmlType type) {
        Tensor t = KQuantIntegerKernelTest.quantised(type, 20, 256, 9);
        float[] x = TensorKernelTest.randomVector(4);
        float[] out = new float[t.rows()];
        t.matmul(Arrays.copyOf(x, 256), out, Parallel.serial());
        assertThat(t.groups).isNull();
        assertMatchesRowKernel(t, Arrays.copyOf(x, 256), out, type + " with 20 rows");
    }

    private static void assertMatchesRowKernel(Tensor t, float[] x, float[] got, String what) {
        Q8Activations xq = Q8Activations.of(x, t.cols());
        float[] xd = IntegerKernelTest.valuesOf(xq);
        float[][] expected = {new float[t.rows()]};
        for (int r = 0; r < t.rows(); r++) t.dotQ8(r, new Q8Activations[] {xq}, 1, expected);
        float[] row = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.dequantizeRow(r, row, 0);
            double magnitude = 0, reference = 0;
            for (int i = 0; i < row.length; i++) {
                magnitude += Math.abs((double) row[i] * xd[i]);
                reference += (double) row[i] * xd[i];
            }
            assertThat((double) got[r]).as("%s, row %d", what, r).isCloseTo(expected[0][r], within(1e-5 * magnitude + 1e-6));
            // and the type's own values (a Q5_0 matrix decodes through a Q8_0 copy of it)
            assertThat((double) got[r]).as("%s, row %d against the dequantised row", what, r).isCloseTo(reference, within(1e-5 * magnitude + 1e-6));
        }
    }

    /** Q5_K has row groups only in the 512-bit layout; 256-bit machines keep its row kernels (checked the same way). */
    private static boolean hasLayout(GgmlType type) {
        return type != GgmlType.Q5_K || Tensor.WIDE;
    }

    /**
     * Every quant at its largest (15; 63 for Q6_K; −128 for Q8_0), scales small and positive, K-quant sub-scales at
     * their limits.
     */
    private static Tensor extremes(GgmlType type, int rows, int cols) {
        byte[] bytes = new byte[(int) type.bytesFor((long) rows * cols)];
        Arrays.fill(bytes, type == GgmlType.Q8_0 ? (byte) 0x80 : (byte) 0xFF);
        Random rnd = new Random(1);
        int bb = (int) type.blockBytes();
        int[] halves = switch (type) {
            case Q4_0, Q5_0, Q8_0 -> new int[] {0};
            case Q6_K -> new int[] {208};
            default -> new int[] {0, 2};
        };
        for (int at = 0; at < bytes.length; at += bb) {
            for (int h : halves) {
                short v = Float.floatToFloat16(0.001f + rnd.nextFloat() * 0.01f);
                bytes[at + h] = (byte) v;
                bytes[at + h + 1] = (byte) (v >> 8);
            }
        }
        return Tensor.of("w", type, new long[] {cols, rows}, MemorySegment.ofArray(bytes));
    }
}
