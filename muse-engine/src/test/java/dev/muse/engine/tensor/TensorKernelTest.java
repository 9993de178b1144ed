package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Differential tests: the Vector API dot against the scalar reference dot and against dequantise-then-F32, and the
 * quantisers' round trip. Tolerances: vector vs scalar differ only in summation order, so 1e-5 of the sum of
 * |w·x|; dequantised values vs the originals depend on the type's bits (stated per type below).
 */
class TensorKernelTest {
    static final int ROWS = 7;
    static final int COLS = 512;

    static Tensor random(GgmlType type, long seed, float[] originalOut) {
        Random rnd = new Random(seed);
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.5f;
        if (originalOut != null) System.arraycopy(w, 0, originalOut, 0, w.length);
        return Tensor.of("w", type, new long[] {COLS, ROWS}, MemorySegment.ofArray(Quantizer.quantize(type, w)));
    }

    @Test
    void every_finite_half_float_should_widen_exactly() {
        // the vector half → float widenings against Java's own conversion for all 63488 finite halves (normals,
        // subnormals, both zeros, both signs): unpacking (shift, mask keeping the sign, times 2^112), the row dot
        // (sign or-ed back after the multiply) and the single-vector product (the bits against x·2^112)
        short[] halves = new short[63488];
        int n = 0;
        for (int bits = 0; bits < 0x10000; bits++) {
            if ((bits & 0x7c00) != 0x7c00) halves[n++] = (short) bits;
        }
        byte[] bytes = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            bytes[2 * i] = (byte) halves[i];
            bytes[2 * i + 1] = (byte) (halves[i] >> 8);
        }
        Tensor t = Tensor.of("w", GgmlType.F16, new long[] {n, 1}, MemorySegment.ofArray(bytes));
        float[] row = new float[n];
        t.unpackRow(0, row);
        for (int i = 0; i < n; i++) {
            float expected = Float.float16ToFloat(halves[i]);
            assertThat(Float.floatToRawIntBits(row[i])).as("half 0x%04x", halves[i] & 0xffff).isEqualTo(Float.floatToRawIntBits(expected));
        }
        for (int i : new int[] {1, 0x3ff, 0x8001, 0x83ff, 0x7bff, 0xfbff, 0x3c00, 0xbc00}) { // the dot kernel, one at a time
            int at = i < 0x7c00 ? i : i - 1024; // index of half i among the finite ones (0x7c00..0x7fff left out)
            float[] x = new float[n];
            x[at] = 1f;
            assertThat(t.dot(0, x, 0)).as("dot picking half 0x%04x", i).isEqualTo(Float.float16ToFloat((short) i));
            float[] out = new float[1];
            t.matmul(x, out, Parallel.serial()); // the single-vector product widens against x·2^112
            assertThat(out[0]).as("matmul picking half 0x%04x", i).isEqualTo(Float.float16ToFloat((short) i));
        }
    }

    @Test
    void f16_matmul_should_match_the_reference_below_and_past_the_input_scaling_limit() {
        // one vector: x is scaled by 2^112 unless some |x| ≥ 2^16 (the copy would overflow), then the plain row dot
        Tensor t = random(GgmlType.F16, 11, null);
        float[] row = new float[COLS];
        for (float big : new float[] {1f, 65000f, 65536f, 3e38f}) {
            float[] x = randomVector(13);
            x[5] = big;
            float[] out = new float[ROWS];
            float[][] batch = new float[5][ROWS];
            try (Parallel p = new Parallel(2)) {
                t.matmul(x, out, p);
                t.matmul(5, new float[][] {randomVector(1), x, randomVector(2), randomVector(3), x}, batch, p);
            }
            assertThat(batch[1]).as("x[5] = %s, in a batch", big).containsExactly(batch[4]);
            for (int r = 0; r < ROWS; r++) {
                t.dequantizeRow(r, row, 0);
                double reference = 0, magnitude = 0;
                for (int i = 0; i < COLS; i++) {
                    reference += (double) row[i] * x[i];
                    magnitude += Math.abs((double) row[i] * x[i]);
                }
                if (magnitude <= Float.MAX_VALUE) {
                    assertThat((double) batch[1][r]).as("x[5] = %s row %d, in a batch", big, r).isCloseTo(out[r], within(1e-5 * magnitude + 1e-6));
                }
                if (magnitude > Float.MAX_VALUE) {
                    assertThat(out[r]).as("x[5] = %s row %d", big, r).isEqualTo(t.dot(r, x, 0));
                } else {
                    assertThat((double) out[r]).as("x[5] = %s row %d", big, r).isCloseTo(reference, within(1e-5 * magnitude + 1e-6));
                }
            }
        }
    }

    static float[] randomVector(long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void vector_dot_should_match_scalar_dot_and_dequantised_dot(GgmlType type) {
        Tensor t = random(type, 42, null);
        float[] x = randomVector(7);
        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
            t.dequantizeRow(r, row, 0);
            double reference = 0;
            double magnitude = 0;
            for (int i = 0; i < COLS; i++) {
                reference += (double) row[i] * x[i];
                magnitude += Math.abs((double) row[i] * x[i]);
            }
            double tol = 1e-5 * magnitude + 1e-6;
            assertThat((double) t.dotScalar(r, x, 0)).as("scalar dot row %d", r).isCloseTo(reference, within(tol));
            assertThat((double) t.dot(r, x, 0)).as("vector dot row %d", r).isCloseTo(reference, within(tol));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void quantise_then_dequantise_should_stay_close_to_the_original(GgmlType type) {
        float[] original = new float[ROWS * COLS];
        Tensor t = random(type, 3, original);
        float[] back = t.toFloats();
        // values are N(0, 0.5): the largest in a block is about 1.5, so the step of a b-bit grid is about 3/2^b
        double maxErr = switch (type) {
            case F32 -> 0;
            case F16 -> 1e-3;
            case BF16 -> 1e-2;
            case Q8_0 -> 0.02;
            case Q6_K -> 0.06;
            case Q5_K, Q5_0, Q5_1 -> 0.12;
            case Q4_0, Q4_1, Q4_K -> 0.25;
            default -> throw new AssertionError(type);
        };
        double sumSq = 0;
        for (int i = 0; i < original.length; i++) {
            assertThat((double) back[i]).as("element %d", i).isCloseTo(original[i], within(maxErr + 1e-7));
            sumSq += (back[i] - original[i]) * (back[i] - original[i]);
        }
        assertThat(Math.sqrt(sumSq / original.length)).isLessThanOrEqualTo(maxErr / 2 + 1e-7);
    }

    @Test
    void q8_0_block_should_decode_as_scale_times_byte() {
        byte[] block = new byte[34];
        short half = Float.floatToFloat16(0.5f);
        block[0] = (byte) half;
        block[1] = (byte) (half >> 8);
        for (int j = 0; j < 32; j++) block[2 + j] = (byte) (j - 16);
        Tensor t = Tensor.of("b", GgmlType.Q8_0, new long[] {32}, MemorySegment.ofArray(block));
        float[] v = t.toFloats();
        for (int j = 0; j < 32; j++) assertThat(v[j]).isEqualTo(0.5f * (j - 16));
    }

    @Test
    void q4_0_block_should_put_low_nibbles_first_and_high_nibbles_second() {
        byte[] block = new byte[18];
        short half = Float.floatToFloat16(2f);
        block[0] = (byte) half;
        block[1] = (byte) (half >> 8);
        for (int j = 0; j < 16; j++) block[2 + j] = (byte) ((j & 0xf) | ((15 - j) << 4));
        float[] v = Tensor.of("b", GgmlType.Q4_0, new long[] {32}, MemorySegment.ofArray(block)).toFloats();
        for (int j = 0; j < 16; j++) {
            assertThat(v[j]).isEqualTo(2f * (j - 8));
            assertThat(v[j + 16]).isEqualTo(2f * (15 - j - 8));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void batched_matmul_should_equal_one_matmul_per_vector_across_threads(GgmlType type) {
        Tensor t = random(type, 5, null);
        for (int n : new int[] {3, 6, 9, 16}) { // below and above the dequantise-once threshold; F16 takes groups of 4, padding 3, 6 and 9
            float[][] xs = new float[n][];
            for (int i = 0; i < n; i++) xs[i] = randomVector(i + 1);
            float[][] outs = new float[n][ROWS];
            try (Parallel p = new Parallel(2)) {
                t.matmul(n, xs, outs, p);
            }
            for (int i = 0; i < n; i++) {
                float[] single = new float[ROWS];
                t.matmul(xs[i], single, Parallel.serial());
                for (int r = 0; r < ROWS; r++) {
                    assertThat(outs[i][r]).as("%s n=%d vector %d row %d", type, n, i, r).isCloseTo(single[r], within(1e-3f));
                }
            }
        }
    }

    @Test
    void unsupported_type_should_name_it_and_list_the_supported_ones() {
        assertThatThrownBy(() -> Tensor.of("blk.0.attn_q.weight", GgmlType.Q2_K, new long[] {256}, MemorySegment.ofArray(new byte[84])))
                .isInstanceOf(UnsupportedTensorTypeException.class)
                .hasMessageContaining("Q2_K")
                .hasMessageContaining("blk.0.attn_q.weight")
                .hasMessageContaining("Q4_1, Q5_0, Q5_1, Q8_0");
    }

    @Test
    void wrong_byte_count_should_be_rejected_with_the_sizes() {
        assertThatThrownBy(() -> Tensor.of("w", GgmlType.Q8_0, new long[] {64, 2}, MemorySegment.ofArray(new byte[100])))
                .hasMessageContaining("needs 136 bytes but has 100");
    }
}
