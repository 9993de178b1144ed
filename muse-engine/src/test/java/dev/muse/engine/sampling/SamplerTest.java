package dev.muse.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SamplerTest {
    static final float[] LOGITS = {1.0f, 3.0f, 2.5f, 0.5f, -1.0f};

    static int draw(SamplerOptions o, float[] logits, int[] history) {
        return new Sampler(o, logits.length).sample(logits.clone(), history, history.length);
    }

    static SamplerOptions opts(float t, int k, float p, float minP, float rep, float presence, long seed) {
        return new SamplerOptions(t, k, p, minP, rep, presence, 0f, 64, seed);
    }

    @Test
    void greedy_should_pick_the_largest_logit() {
        assertThat(draw(SamplerOptions.GREEDY, LOGITS, new int[0])).isEqualTo(1);
    }

    @Test
    void top_k_1_should_be_greedy_at_any_temperature() {
        for (long seed = 0; seed < 50; seed++) assertThat(draw(opts(2f, 1, 1f, 0f, 1f, 0f, seed), LOGITS, new int[0])).isEqualTo(1);
    }

    @Test
    void a_tiny_top_p_should_keep_only_the_most_likely_token() {
        for (long seed = 0; seed < 50; seed++) assertThat(draw(opts(1f, 0, 0.01f, 0f, 1f, 0f, seed), LOGITS, new int[0])).isEqualTo(1);
    }

    @Test
    void min_p_should_drop_tokens_far_below_the_top() {
        // p(token)/p(top) = exp(l - 3): token 2 keeps 0.61, token 0 only 0.14
        for (long seed = 0; seed < 200; seed++) {
            assertThat(draw(opts(1f, 0, 1f, 0.5f, 1f, 0f, seed), LOGITS, new int[0])).isIn(1, 2);
        }
    }

    @Test
    void sampling_at_temperature_1_should_follow_the_softmax() {
        Sampler s = new Sampler(opts(1f, 0, 1f, 0f, 1f, 0f, 99), LOGITS.length);
        int[] counts = new int[LOGITS.length];
        int n = 20000;
        for (int i = 0; i < n; i++) counts[s.sample(LOGITS.clone(), new int[0], 0)]++;
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        for (int t = 0; t < LOGITS.length; t++) {
            assertThat(counts[t] / (double) n).as("token %d", t).isCloseTo(Math.exp(LOGITS[t]) / z, within(0.015));
        }
    }

    @Test
    void penalties_should_steer_away_from_recent_tokens() {
        int[] history = {1, 1};
        assertThat(draw(opts(0f, 0, 1f, 0f, 1.5f, 0f, 0), LOGITS, history)).isEqualTo(2); // 3/1.5 = 2 < 2.5
        assertThat(draw(opts(0f, 0, 1f, 0f, 1f, 1f, 0), LOGITS, history)).isEqualTo(2); // 3 - 1 = 2 < 2.5
        assertThat(draw(opts(0f, 0, 1f, 0f, 1f, 0.4f, 0), LOGITS, history)).isEqualTo(1); // 2.6 > 2.5
    }

    @Test
    void the_same_seed_should_repeat_and_logprobs_should_be_log_softmax() {
        int a = draw(opts(1.5f, 0, 1f, 0f, 1f, 0f, 1234), LOGITS, new int[0]);
        int b = draw(opts(1.5f, 0, 1f, 0f, 1f, 0f, 1234), LOGITS, new int[0]);
        assertThat(a).isEqualTo(b);
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        assertThat((double) Sampler.logprob(LOGITS, 2)).isCloseTo(2.5 - Math.log(z), within(1e-5));
    }

    @Test
    void bad_options_should_say_what_is_allowed() {
        assertThatThrownBy(() -> opts(-1f, 0, 1f, 0f, 1f, 0f, 0)).hasMessageContaining("temperature must be between 0 and 10");
        assertThatThrownBy(() -> opts(1f, 0, 0f, 0f, 1f, 0f, 0)).hasMessageContaining("top-p must be in (0, 1]");
    }

    @Test
    void top_k_over_a_near_flat_large_vocabulary_should_keep_exactly_the_k_most_likely_tokens() {
        int vocab = 50_000;
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) logits[i] = (float) r.nextDouble(0, 0.01); // every token survives min-p
        Integer[] ids = new Integer[vocab];
        for (int i = 0; i < vocab; i++) ids[i] = i;
        java.util.Arrays.sort(ids, (a, b) -> Float.compare(logits[b], logits[a]));
        java.util.Set<Integer> top = new java.util.HashSet<>(java.util.List.of(ids).subList(0, 7));
        Sampler s = new Sampler(opts(1f, 7, 1f, 0.05f, 1f, 0f, 9), vocab);
        java.util.Set<Integer> drawn = new java.util.HashSet<>();
        for (int i = 0; i < 700; i++) drawn.add(s.sample(logits.clone(), new int[0], 0));
        assertThat(drawn).isEqualTo(top); // only the top 7, and each of them (p = 1/7 per draw)
    }

    @Test
    void selection_should_put_the_largest_values_last() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int round = 0; round < 200; round++) {
            int n = 1 + r.nextInt(300);
            long[] a = r.longs(n).distinct().toArray();
            n = a.length;
            int nth = r.nextInt(n);
            long[] sorted = a.clone();
            java.util.Arrays.sort(sorted);
            Sampler.select(a, 0, n, nth);
            assertThat(a[nth]).isEqualTo(sorted[nth]);
            long[] tail = java.util.Arrays.copyOfRange(a, nth, n);
            java.util.Arrays.sort(tail);
            assertThat(tail).containsExactly(java.util.Arrays.copyOfRange(sorted, nth, n));
        }
    }
}
