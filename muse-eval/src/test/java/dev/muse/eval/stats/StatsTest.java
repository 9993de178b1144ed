package dev.muse.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void should_match_published_wilson_intervals() {
        // 81 of 263: 0.2553 .. 0.3662 (Wilson 1927; Newcombe 1998 table I, interval 3)
        Stats.Interval i = Stats.wilson(81, 263);
        assertThat(i.low()).isCloseTo(0.2553, within(5e-4));
        assertThat(i.high()).isCloseTo(0.3662, within(5e-4));
        // 0 of 10 stays inside [0, 1] with a non-trivial upper bound
        Stats.Interval z = Stats.wilson(0, 10);
        assertThat(z.low()).isEqualTo(0.0);
        assertThat(z.high()).isCloseTo(0.2775, within(5e-4));
    }

    @Test
    void should_compute_unbiased_pass_at_k() {
        assertThat(Stats.passAtK(5, 0, 1)).isEqualTo(0.0);
        assertThat(Stats.passAtK(5, 5, 3)).isEqualTo(1.0);
        assertThat(Stats.passAtK(4, 1, 1)).isCloseTo(0.25, within(1e-12));
        // 1 - C(2,2)/C(4,2) = 1 - 1/6
        assertThat(Stats.passAtK(4, 2, 2)).isCloseTo(5.0 / 6, within(1e-12));
    }

    @Test
    void should_take_the_first_most_frequent_answer_as_the_majority() {
        assertThat(Stats.majority(List.of("3", "4", "4", "3"))).isEqualTo("3");
        assertThat(Stats.majority(Arrays.asList(null, "7", "8", "8"))).isEqualTo("8");
        assertThat(Stats.majority(Arrays.asList(null, null))).isNull();
    }

    @Test
    void should_compute_exact_mcnemar_p_values() {
        // all discordant pairs one way: 2 * 0.5^10
        assertThat(Stats.mcnemarExact(10, 0)).isCloseTo(2 * Math.pow(0.5, 10), within(1e-12));
        assertThat(Stats.mcnemarExact(5, 5)).isEqualTo(1.0);
        assertThat(Stats.mcnemarExact(0, 0)).isEqualTo(1.0);
        // 2 vs 8: 2 * P(X <= 2), X ~ Bin(10, .5) = 2 * 56/1024
        assertThat(Stats.mcnemarExact(2, 8)).isCloseTo(112.0 / 1024, within(1e-12));
        // large counts stay finite
        assertThat(Stats.mcnemarExact(600, 400)).isBetween(0.0, 1e-9);
    }

    @Test
    void should_take_nearest_rank_percentiles() {
        long[] v = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
        assertThat(Stats.percentile(v, 50)).isEqualTo(5.0);
        assertThat(Stats.percentile(v, 95)).isEqualTo(10.0);
        assertThat(Stats.percentile(new long[0], 50)).isNaN();
    }

    @Test
    void should_compute_auc_as_a_ranking_probability() {
        assertThat(Stats.auc(new double[] {0.9, 0.8, 0.2, 0.1}, new boolean[] {true, true, false, false})).isEqualTo(1.0);
        assertThat(Stats.auc(new double[] {0.5, 0.5}, new boolean[] {true, false})).isEqualTo(0.5);
        assertThat(Stats.auc(new double[] {0.1, 0.9}, new boolean[] {true, false})).isEqualTo(0.0);
        assertThat(Stats.auc(new double[] {0.1}, new boolean[] {true})).isNaN();
    }

    @Test
    void should_state_a_difference_only_when_the_paired_test_supports_it() {
        Map<String, Double> a = new java.util.LinkedHashMap<>();
        Map<String, Double> b = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            a.put("q" + i, 1.0);
            b.put("q" + i, i < 10 ? 1.0 : 0.0);
        }
        Paired gap = Paired.compare("contemplating", "thinking", a, b);
        assertThat(gap.significant()).isTrue();
        assertThat(gap.sentence()).startsWith("contemplating beats thinking");

        Map<String, Double> c = new java.util.LinkedHashMap<>(a);
        c.put("q0", 0.0);
        c.put("q1", 0.0);
        Map<String, Double> d = new java.util.LinkedHashMap<>(a);
        d.put("q2", 0.0);
        Paired none = Paired.compare("contemplating", "thinking", c, d);
        assertThat(none.significant()).isFalse();
        assertThat(none.sentence()).startsWith("No significant difference");
    }
}
