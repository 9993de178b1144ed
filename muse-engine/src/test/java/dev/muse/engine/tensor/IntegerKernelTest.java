package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The integer kernels (8-bit activations × quantised weights, as llama.cpp computes quantised products) against
 * two references: the same quantised activations dequantised and multiplied in double precision (only rounding
 * of the float accumulation differs: 1e-5 of Σ|w·x|), and the exact float activations, where the only extra error
 * is the activations' rounding, bounded per block by Σ|w| · d/2.
 */
class IntegerKernelTest {
    @BeforeEach
    void needsAvx2Vectors() {
        Assumptions.assumeTrue(Tensor.INT_OK, "the integer kernels need 256-bit vectors; this machine uses the float kernels");
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_K"})
    void integer_dot_should_match_the_dequantised_product_of_quantised_activations(GgmlType type) {
        Tensor t = TensorKernelTest.random(type, 11, null);
        assertThat(t.integerDot()).isTrue();
        float[] x = TensorKernelTest.randomVector(3);
        Q8Activations xq = Q8Activations.of(x, t.cols());
        float[] xd = valuesOf(xq);
        float[][] got1 = {new float[t.rows()]};
        for (int r = 0; r < t.rows(); r++) t.dotQ8(r, new Q8Activations[] {xq}, 1, got1);
        float[] got = got1[0];
        float[] row = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.dequantizeRow(r, row, 0);
            double exactQ = 0, exact = 0, magnitude = 0, bound = 0;
            for (int i = 0; i < row.length; i++) {
                exactQ += (double) row[i] * xd[i];
                exact += (double) row[i] * x[i];
                magnitude += Math.abs((double) row[i] * xd[i]);
                bound += Math.abs((double) row[i]) * xq.d[i / 32] / 2;
            }
            assertThat((double) got[r]).as("row %d vs quantised activations", r).isCloseTo(exactQ, within(1e-5 * magnitude + 1e-6));
            assertThat((double) got[r]).as("row %d vs float activations", r).isCloseTo(exact, within(bound + 1e-5 * magnitude));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_K"})
    void four_vectors_per_weight_load_should_give_each_vector_its_own_result(GgmlType type) {
        Tensor t = TensorKernelTest.random(type, 12, null);
        int n = 7; // one group of four and three left over
        Q8Activations[] xq = new Q8Activations[n];
        for (int i = 0; i < n; i++) xq[i] = Q8Activations.of(TensorKernelTest.randomVector(100 + i), t.cols());
        float[][] outs = new float[n][t.rows()];
        for (int r = 0; r < t.rows(); r++) t.dotQ8(r, xq, n, outs);
        for (int i = 0; i < n; i++) {
            float[][] single = {new float[t.rows()]};
            for (int r = 0; r < t.rows(); r++) t.dotQ8(r, new Q8Activations[] {xq[i]}, 1, single);
            assertSameUpToSummationOrder(outs[i], single[0], "vector " + i);
        }
    }

    @org.junit.jupiter.api.Test
    void activation_quantisation_should_round_each_block_to_its_own_scale() {
        float[] x = new float[64];
        for (int i = 0; i < 32; i++) x[i] = i - 16; // max |x| = 16
        x[40] = -2.54f;                             // second block: max 2.54, the rest zero
        Q8Activations q = Q8Activations.of(x, 64);
        assertThat(q.d[0]).isEqualTo(16f / 127f);
        assertThat(q.q[0]).isEqualTo((short) -127);
        assertThat(q.q[16]).isEqualTo((short) 0);
        assertThat(q.q[40]).isEqualTo((short) -127);
        assertThat(q.q[41]).isEqualTo((short) 0);
        assertThat(q.sums[1]).isEqualTo(-127);
        assertThat(valuesOf(q)[40]).isCloseTo(-2.54f, within(1e-6f));
    }

    @org.junit.jupiter.api.Test
    void activation_quantisation_should_equal_the_scalar_definition_and_round_halves_away_from_zero() {
        java.util.Random random = new java.util.Random(11);
        float[] x = new float[32 * 40];
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * (i % 97 == 0 ? 20 : 1));
        for (int i = 64; i < 96; i++) x[i] = 0f;                        // an all-zero block: scale 0, values 0
        for (int i = 96; i < 128; i++) x[i] = 0f;
        x[100] = 127f;                                                    // max 127: scale exactly 1, so ±63.5 are ties
        x[101] = -63.5f;
        x[102] = 63.5f;
        Q8Activations q = Q8Activations.of(x, x.length);
        for (int b = 0; b < x.length / 32; b++) {
            float max = 0f;
            for (int j = 0; j < 32; j++) max = Math.max(max, Math.abs(x[b * 32 + j]));
            float d = max / 127f;
            float inv = d == 0f ? 0f : 1f / d;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[b * 32 + j] * inv;
                int expected = (int) (v + Math.copySign(0.5f, v)); // C's roundf: halves away from zero
                assertThat(q.q[b * 32 + j]).as("block %d value %d", b, j).isEqualTo((short) expected);
                sum += expected;
            }
            assertThat(q.d[b]).isEqualTo(d);
            assertThat(q.sums[b]).isEqualTo(sum);
        }
        assertThat(q.q[101]).as("-63.5 rounds away from zero").isEqualTo((short) -64);
        assertThat(q.q[102]).as("63.5 rounds away from zero").isEqualTo((short) 64);
        float[] back = new float[x.length]; // what the float tile multiplies: exactly d·q per value, with no q kept
        Q8Activations.roundTrip(x, x.length, back);
        for (int i = 0; i < x.length; i++) assertThat(back[i]).as("value %d", i).isEqualTo(q.d[i / 32] * q.q[i]);
        assertThat(back).as("round trip without the quantised form").containsExactly(valuesOf(q));
        int[] pairs = q.pairs(); // what the row-group kernels multiply: (q[2k] << 16) + q[2k+1]
        for (int k = 0; k < pairs.length; k++) assertThat(pairs[k]).as("pair %d", k).isEqualTo((q.q[2 * k] << 16) + q.q[2 * k + 1]);
    }

    /** The values a quantised vector stands for, d·q each: the tests' own reference. */
    static float[] valuesOf(Q8Activations q) {
        float[] v = new float[q.q.length];
        for (int i = 0; i < v.length; i++) v[i] = q.d[i / 32] * q.q[i];
        return v;
    }

    /**
     * Equal up to float summation order: the row kernels end in {@code reduceLanes(ADD)}, whose lane order C2's
     * intrinsic and the interpreter's fallback do not share, so a kernel compiled and one not yet compiled can differ
     * in the last bits (seen in CI). A wrong kernel is off by far more than 1e-5 of the largest output.
     */
    static void assertSameUpToSummationOrder(float[] actual, float[] expected, String what) {
        float scale = 0f;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int r = 0; r < expected.length; r++) {
            assertThat(actual[r]).as("%s, row %d", what, r).isCloseTo(expected[r], org.assertj.core.api.Assertions.within(1e-5f * scale + 1e-6f));
        }
    }
}
