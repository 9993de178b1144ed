package dev.muse.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference runner's own behaviour when the reference is not installed. */
class NodeLlamaCppTest {
    @TempDir
    Path empty;

    @Test
    void should_say_how_to_install_when_node_llama_cpp_is_missing() {
        String why = new NodeLlamaCpp(empty).unavailable().orElseThrow();
        // without node on PATH the message is about node; with it, about the missing npm install
        assertThat(why).satisfiesAnyOf(
                w -> assertThat(w).contains("node-llama-cpp is not installed in " + empty).contains("npm ci --ignore-scripts"),
                w -> assertThat(w).contains("no `node` on PATH"));
    }

    @Test
    void comparison_should_measure_errors_relative_to_the_reference_scale() {
        float[][] ref = {{2, 0, -2, 0}, {0, 2, 0, -2}};
        float[][] muse = {{2, 0.1f, -2, 0}, {0, 2, 0, -2}};
        LogitComparison c = LogitComparison.of(muse, ref, 0, 2);
        assertThat(c.scale()).isCloseTo(Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(c.maxAbsError()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(c.relRmsError()).isCloseTo(Math.sqrt(0.01 / 8) / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(c.agree()).isEqualTo(2);
    }

    @Test
    void comparison_should_count_a_flipped_greedy_choice_and_its_gap() {
        float[][] ref = {{1.0f, 0.9f, 0}};
        float[][] muse = {{0.9f, 0.95f, 0}};
        LogitComparison c = LogitComparison.of(muse, ref, 0, 1);
        assertThat(c.agree()).isZero();
        assertThat(c.maxTieGap()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-6));
    }
}
