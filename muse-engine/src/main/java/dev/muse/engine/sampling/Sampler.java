package dev.muse.engine.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks tokens from logits. One sampler per sequence: it owns that sequence's random stream and scratch space. */
public final class Sampler {
    private final SamplerOptions o;
    private final SplittableRandom random;
    private final int[] counts;
    private final float[] probs;
    private final int[] order;
    private final long[] keys;

    public Sampler(SamplerOptions options, int vocabSize) {
        this.o = options;
        this.random = new SplittableRandom(options.seed());
        this.counts = new int[vocabSize];
        this.probs = new float[vocabSize];
        this.order = new int[vocabSize];
        this.keys = new long[vocabSize];
    }

    public SamplerOptions options() {
        return o;
    }

    /**
     * The next token. {@code history[0..historyLength)} are the tokens so far (prompt and generated), used by the
     * penalties. {@code logits} is modified.
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        applyPenalties(logits, history, historyLength);
        if (o.greedy()) return argmax(logits);
        int n = logits.length;
        float max = logits[argmax(logits)];
        float sum = 0f;
        float invT = 1f / o.temperature();
        for (int i = 0; i < n; i++) {
            probs[i] = (float) Math.exp((logits[i] - max) * invT);
            sum += probs[i];
        }
        for (int i = 0; i < n; i++) probs[i] /= sum;
        // keep only candidates that can survive the filters, then sort those by probability
        float floor = o.minP() > 0 ? o.minP() * 1f * maxOf(probs) : 0f;
        if (o.topP() < 1f) floor = Math.max(floor, (1f - o.topP()) / Math.max(1, n - 1));
        int m = 0;
        for (int i = 0; i < n; i++) if (probs[i] >= floor) order[m++] = i;
        if (o.topK() > 0) m = sortByProbability(m, Math.min(m, o.topK()));
        else sortByProbability(m, m);
        if (o.topP() < 1f) {
            float cumulative = 0f;
            for (int j = 0; j < m; j++) {
                cumulative += probs[order[j]];
                if (cumulative >= o.topP()) {
                    m = j + 1;
                    break;
                }
            }
        }
        float kept = 0f;
        for (int j = 0; j < m; j++) kept += probs[order[j]];
        float r = (float) random.nextDouble() * kept;
        float acc = 0f;
        for (int j = 0; j < m; j++) {
            acc += probs[order[j]];
            if (r < acc) return order[j];
        }
        return order[m - 1];
    }

    private void applyPenalties(float[] logits, int[] history, int historyLength) {
        if (o.repetitionPenalty() == 1f && o.presencePenalty() == 0f && o.frequencyPenalty() == 0f) return;
        int from = Math.max(0, historyLength - o.penaltyWindow());
        for (int i = from; i < historyLength; i++) counts[history[i]]++;
        for (int i = from; i < historyLength; i++) {
            int t = history[i];
            int c = counts[t];
            if (c == 0) continue; // already applied for an earlier occurrence
            float l = logits[t];
            if (o.repetitionPenalty() != 1f) l = l > 0 ? l / o.repetitionPenalty() : l * o.repetitionPenalty();
            l -= o.presencePenalty() + o.frequencyPenalty() * c;
            logits[t] = l;
            counts[t] = 0;
        }
    }

    /**
     * Puts the {@code k} most likely of the {@code m} candidates in {@code order[0..k)}, most likely first, and
     * returns k. Top-k needs only those k in order: a selection finds them in linear time, then only they are sorted
     * (a near-flat distribution keeps most of a 128k vocabulary as candidates, and every sequence samples every step).
     */
    private int sortByProbability(int m, int k) {
        // (probability, index) packed into longs: probabilities are non-negative, so bit order is value order, and
        // the index makes every key distinct (ties go to the lower token id, as a stable sort would)
        for (int j = 0; j < m; j++) {
            int bits = Float.floatToIntBits(probs[order[j]]);
            keys[j] = ((long) bits << 32) | (0xffffffffL & ~order[j]);
        }
        if (k < m) select(keys, 0, m, m - k);
        Arrays.sort(keys, m - k, m);
        for (int j = 0; j < k; j++) order[j] = ~(int) keys[m - 1 - j];
        return k;
    }

    /** Rearranges {@code a[from, to)} (distinct values) so that {@code a[nth]} and all after it are its largest. */
    static void select(long[] a, int from, int to, int nth) {
        int lo = from, hi = to - 1;
        while (hi > lo) {
            long pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (nth <= j) hi = j;
            else if (nth >= i) lo = i;
            else return;
        }
    }

    private static float maxOf(float[] a) {
        float m = a[0];
        for (float v : a) if (v > m) m = v;
        return m;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** log P(token) under softmax(logits) at temperature 1. */
    public static float logprob(float[] logits, int token) {
        float max = logits[argmax(logits)];
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        return (float) (logits[token] - max - Math.log(sum));
    }
}
