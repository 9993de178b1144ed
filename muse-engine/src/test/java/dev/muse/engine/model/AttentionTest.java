package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector attention kernels against the plain loops they replace, including sizes with a scalar tail. */
class AttentionTest {

    @ParameterizedTest
    @CsvSource({"64,1", "64,7", "64,130", "128,33", "12,5", "8,4", "40,9"})
    void scores_and_weighted_sum_should_match_the_plain_loops(int hd, int count) {
        SplittableRandom r = new SplittableRandom(hd * 31L + count);
        int kvHeads = 3;
        int stride = kvHeads * hd;
        float[] q = new float[2 * hd];
        float[] keys = new float[count * stride];
        float[] values = new float[count * stride];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (float) r.nextDouble(-1, 1);
            values[i] = (float) r.nextDouble(-1, 1);
        }
        int qo = hd; // the second query head
        int ko = 2 * hd; // against the third KV head
        float scale = 0.125f;
        float[] scores = new float[count];
        Attention.scores(q, qo, keys, ko, stride, hd, count, scale, scores, 0);
        for (int t = 0; t < count; t++) {
            float want = 0f;
            for (int j = 0; j < hd; j++) want += q[qo + j] * keys[t * stride + ko + j];
            assertThat(scores[t]).as("score %d", t).isCloseTo(want * scale, within(1e-5f));
        }
        float[] plain = scores.clone();
        Transformer.softmax(plain, count);
        Attention.softmax(scores, count);
        for (int t = 0; t < count; t++) assertThat(scores[t]).as("weight %d", t).isCloseTo(plain[t], within(1e-6f));
        float[] out = new float[3 * hd];
        Attention.weightedSum(scores, 0, count, values, ko, stride, hd, out, hd);
        for (int j = 0; j < hd; j++) {
            float want = 0f;
            for (int t = 0; t < count; t++) want += scores[t] * values[t * stride + ko + j];
            assertThat(out[hd + j]).as("output %d", j).isCloseTo(want, within(1e-5f));
        }
        assertThat(out[0]).isZero(); // other heads' outputs untouched
        assertThat(out[2 * hd]).isZero();
    }
}
