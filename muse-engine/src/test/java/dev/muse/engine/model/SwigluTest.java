package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The feed-forward's SwiGLU (vector exp, scalar tail) against silu(g)·u in double, over whole and partial ranges. */
class SwigluTest {
    @Test
    void every_value_in_the_range_should_be_silu_of_gate_times_up_and_none_outside_it() {
        Random random = new Random(3);
        int length = 8192 + 7;
        float[] gate = new float[length], up = new float[length];
        for (int j = 0; j < length; j++) {
            gate[j] = (float) (random.nextGaussian() * 4);
            up[j] = (float) random.nextGaussian();
        }
        gate[10] = -100f; // e^100 overflows to infinity: silu is -0
        gate[11] = 100f;  // e^-100 vanishes beside 1: silu is x
        int[][] ranges = {{0, length}, {3, 4101}, {5, 12}, {4101, length}};
        for (int[] range : ranges) {
            float[] g = gate.clone();
            Transformer.swiglu(g, up, range[0], range[1]);
            for (int j = 0; j < length; j++) {
                if (j < range[0] || j >= range[1]) {
                    assertThat(g[j]).as("outside [%d, %d) at %d", range[0], range[1], j).isEqualTo(gate[j]);
                    continue;
                }
                double x = gate[j];
                double expected = x / (1 + Math.exp(-x)) * up[j];
                assertThat((double) g[j]).as("[%d, %d) at %d, x = %s", range[0], range[1], j, x)
                        .isCloseTo(expected, within(1e-6 * Math.abs(expected) + 1e-30));
            }
        }
    }
}
