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
        float[] xd = xq.dequantize();
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
    void four_vectors_per_weight_load_should_give_each_vector_exactly_its_own_result(GgmlType type) {
        Tensor t = TensorKernelTest.random(type, 12, null);
        int n = 7; // one group of four and three left over (from 8 on, products take the float kernel)
        float[][] xs = new float[n][];
        float[][] outs = new float[n][t.rows()];
        for (int i = 0; i < n; i++) xs[i] = TensorKernelTest.randomVector(100 + i);
        try (Parallel p = new Parallel(2)) {
            t.matmul(n, xs, outs, p);
        }
        assertThat(t.integerFor(n)).isTrue();
        for (int i = 0; i < n; i++) {
            float[][] single = {new float[t.rows()]};
            Q8Activations[] xq = {Q8Activations.of(xs[i], t.cols())};
            for (int r = 0; r < t.rows(); r++) t.dotQ8(r, xq, 1, single);
            assertThat(outs[i]).as("vector %d", i).containsExactly(single[0]);
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
        assertThat(q.dequantize()[40]).isCloseTo(-2.54f, within(1e-6f));
    }
}
