package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.testkit.NoisySolver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Contemplating against a noisy solver that is right 55% of the time and spreads its wrong answers over many
 * values: aggregating five agents must beat single samples by a margin luck cannot explain.
 */
class AggregationBeatsSingleSampleTest {
    /**
     * Which draw a request gets depends on the order the concurrent agents reach the solver, so the rates vary from
     * run to run. With 60 questions (a single-sample rate's sd 0.064) one CI run saw 0.38 against the 0.40 bound; with
     * 200 (sd 0.035) its bounds are 4.3 sd from the configured 0.55, and the margin's spread shrinks alike.
     */
    static final int QUESTIONS = 200;
    static final int AGENTS = 5;
    static final double ACCURACY = 0.55;

    @Test
    void should_beat_single_samples_of_a_noisy_solver_by_a_significant_margin() {
        Map<String, String> key = new LinkedHashMap<>();
        SplittableRandom rng = new SplittableRandom(2024);
        for (int i = 1; i <= QUESTIONS; i++) key.put("Puzzle #" + i + "#: what is the hidden number?", Integer.toString(10 + rng.nextInt(900)));
        NoisySolver solver = new NoisySolver(key, ACCURACY, 99);

        int aggregatedRight = 0;
        int singleRight = 0;
        try (StandIn s = StandIn.start(solver)) {
            Muse muse = Muse.builder().model(s.model).build();
            RunOptions opts = RunOptions.of(Mode.CONTEMPLATING).withAgents(AGENTS).withSeed(1L);
            for (var q : key.entrySet()) {
                RunResult r = muse.ask(q.getKey(), opts);
                String right = Answers.normalize(q.getValue());
                if (Answers.normalize(r.consensus().answer()).equals(right)) aggregatedRight++;
                // the baseline: one Thinking sample of the same solver for the same question
                RunResult one = muse.ask(q.getKey(), RunOptions.of(Mode.THINKING).withSeed(1L));
                if (Answers.normalize(Answers.extract(one.answer()).text()).equals(right)) singleRight++;
            }
        }
        double aggregated = (double) aggregatedRight / QUESTIONS;
        double single = (double) singleRight / QUESTIONS;

        // sanity: the stand-in behaves as configured, so single samples sit near 55%
        assertThat(single).isBetween(0.40, 0.70);
        // under "aggregation is no better than one sample" the aggregated score is Binomial(60, p) with p no more
        // than the single-sample accuracy; seeing this many right answers must be vanishingly unlikely
        double p = Math.max(single, ACCURACY);
        double tail = binomialTail(QUESTIONS, p, aggregatedRight);
        assertThat(tail).as("P(>= %d of %d right by luck at p=%.2f); aggregated %.2f vs single %.2f",
                aggregatedRight, QUESTIONS, p, aggregated, single).isLessThan(1e-4);
        assertThat(aggregated - single).isGreaterThan(0.15);
    }

    /** P(X >= k) for X ~ Binomial(n, p). */
    static double binomialTail(int n, double p, int k) {
        double sum = 0;
        for (int i = k; i <= n; i++) sum += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log(1 - p));
        return sum;
    }

    private static double logChoose(int n, int k) {
        double r = 0;
        for (int i = 1; i <= k; i++) r += Math.log(n - k + i) - Math.log(i);
        return r;
    }
}
