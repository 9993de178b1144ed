package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Q6_K and Q5_K integer kernels (8-bit activations × 6- or 5-bit weights) against the scalar reference: the
 * dequantised weights times the dequantised activations in double precision. Only the float accumulation's
 * rounding may differ (1e-5 of Σ|w·x|). Tensors come from the project's quantiser and, to reach every bit pattern
 * (6-bit values 0 and 63, negative and −128 scales), from random bytes with a sane half-precision scale.
 */
class KQuantIntegerKernelTest {
    @BeforeEach
    void needsAvx2Vectors() {
        Assumptions.assumeTrue(Tensor.INT_OK, "the integer kernels need 256-bit vectors; this machine uses the float kernels");
    }

    /** Odd row counts and 1 to 3 super-blocks per row. */
    private static final int[][] SHAPES = {{7, 256}, {13, 512}, {5, 768}};

    static Tensor quantised(GgmlType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.5f;
        return Tensor.of("w", type, new long[] {cols, rows}, MemorySegment.ofArray(Quantizer.quantize(type, w)));
    }

    /** Every byte random except the half-precision super-block scales, which get small finite values. */
    static Tensor randomBits(GgmlType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        byte[] bytes = new byte[(int) type.bytesFor((long) rows * cols)];
        rnd.nextBytes(bytes);
        int bb = (int) type.blockBytes();
        int[] halves = type == GgmlType.Q6_K ? new int[] {208} : new int[] {0, 2};
        for (int at = 0; at < bytes.length; at += bb) {
            for (int h : halves) {
                short v = Float.floatToFloat16((rnd.nextFloat() * 2 - 1) * 0.01f);
                bytes[at + h] = (byte) v;
                bytes[at + h + 1] = (byte) (v >> 8);
            }
        }
        return Tensor.of("w", type, new long[] {cols, rows}, MemorySegment.ofArray(bytes));
    }

    static float[] vector(int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** ±1 everywhere: every activation quantises to ±127, the largest products the 16-bit lanes must hold. */
    static float[] extremeVector(int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = rnd.nextBoolean() ? 1f : -1f;
        return x;
    }

    private static float[] integerProduct(Tensor t, Q8Activations xq) {
        float[][] out = {new float[t.rows()]};
        for (int r = 0; r < t.rows(); r++) t.dotQ8(r, new Q8Activations[] {xq}, 1, out);
        return out[0];
    }

    private static void assertMatchesReference(Tensor t, float[] x, String what) {
        assertThat(t.integerDot()).as("%s has an integer kernel", t.type()).isTrue();
        Q8Activations xq = Q8Activations.of(x, t.cols());
        float[] xd = IntegerKernelTest.valuesOf(xq);
        float[] got = integerProduct(t, xq);
        float[] row = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.dequantizeRow(r, row, 0);
            double exact = 0, magnitude = 0, exactFloatX = 0, bound = 0;
            for (int i = 0; i < row.length; i++) {
                exact += (double) row[i] * xd[i];
                magnitude += Math.abs((double) row[i] * xd[i]);
                exactFloatX += (double) row[i] * x[i];
                bound += Math.abs((double) row[i]) * xq.d[i / 32] / 2;
            }
            assertThat(magnitude).as("the test data must not be all zeros").isGreaterThan(0);
            assertThat((double) got[r]).as("%s %s row %d vs the dequantised product", t.type(), what, r)
                    .isCloseTo(exact, within(1e-5 * magnitude + 1e-6));
            // and against the float activations: the only extra error is the activations' rounding
            assertThat((double) got[r]).as("%s %s row %d vs float activations", t.type(), what, r)
                    .isCloseTo(exactFloatX, within(bound + 1e-5 * magnitude));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q6_K", "Q5_K"})
    void integer_dot_should_match_the_dequantised_product_for_quantiser_made_tensors(GgmlType type) {
        for (int[] s : SHAPES) {
            assertMatchesReference(quantised(type, s[0], s[1], s[0] * 31L + s[1]), vector(s[1], s[1]), s[0] + "x" + s[1]);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q6_K", "Q5_K"})
    void integer_dot_should_match_the_dequantised_product_for_every_bit_pattern(GgmlType type) {
        for (int[] s : SHAPES) {
            Tensor t = randomBits(type, s[0], s[1], s[1] + 5L);
            assertMatchesReference(t, vector(s[1], 9), "random bits " + s[0] + "x" + s[1]);
            assertMatchesReference(t, extremeVector(s[1], 10), "random bits, ±127 activations " + s[0] + "x" + s[1]);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q6_K", "Q5_K"})
    void a_vectors_result_should_not_depend_on_how_many_vectors_share_the_weights(GgmlType type) {
        Tensor t = randomBits(type, 9, 512, 77);
        int max = 7;
        Q8Activations[] xq = new Q8Activations[max];
        float[][] alone = new float[max][];
        for (int i = 0; i < max; i++) {
            xq[i] = Q8Activations.of(vector(512, 200 + i), t.cols());
            alone[i] = integerProduct(t, xq[i]);
        }
        for (int n : new int[] {4, 5, 7}) { // one group of four per weight unpack, plus 0, 1 or 3 alone
            float[][] outs = new float[n][t.rows()];
            for (int r = 0; r < t.rows(); r++) t.dotQ8(r, xq, n, outs);
            for (int i = 0; i < n; i++) {
                IntegerKernelTest.assertSameUpToSummationOrder(outs[i], alone[i], "%s vector %d of a batch of %d".formatted(type, i, n));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q6_K", "Q5_K"})
    void matmul_should_take_the_integer_kernel_for_one_vector_and_small_batches(GgmlType type) {
        Tensor t = randomBits(type, 9, 512, 78);
        float[][] xs = new float[3][];
        for (int i = 0; i < xs.length; i++) xs[i] = vector(512, 300 + i);
        try (Parallel p = new Parallel(2)) {
            for (int n = 1; n <= xs.length; n++) {
                if (!t.integerFor(n)) continue; // from Tensor.GEMM_FROM on, products take the float GEMM
                float[][] outs = new float[n][t.rows()];
                t.matmul(n, xs, outs, p);
                for (int i = 0; i < n; i++) {
                    float[] expected = integerProduct(t, Q8Activations.of(xs[i], t.cols()));
                    IntegerKernelTest.assertSameUpToSummationOrder(outs[i], expected, "%s matmul of %d vectors, vector %d".formatted(type, n, i));
                }
            }
        }
        assertThat(t.integerFor(1)).as("one vector takes the integer kernel").isTrue();
    }

    @ParameterizedTest
    @EnumSource(names = {"Q6_K", "Q5_K"})
    void vector_unpacking_for_the_prompt_kernel_should_give_exactly_the_scalar_values_for_every_bit_pattern(GgmlType type) {
        Tensor t = randomBits(type, 5, 768, 31);
        float[] fast = new float[t.cols()];
        float[] reference = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.unpackRow(r, fast);
            t.dequantizeRow(r, reference, 0);
            assertThat(fast).as("%s row %d", type, r).containsExactly(reference);
        }
    }
}
