package dev.muse.eval.stats;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The statistics a report states, each small enough to check by hand. */
public final class Stats {
    private Stats() {}

    /** z for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    /** A proportion's confidence interval. */
    public record Interval(double low, double high) {}

    /**
     * Wilson score interval for {@code successes} out of {@code n} at 95%: unlike the normal approximation it
     * stays inside [0, 1] and behaves at 0 and n.
     */
    public static Interval wilson(long successes, long n) {
        if (n <= 0) return new Interval(0, 1);
        double p = (double) successes / n;
        double z2 = Z95 * Z95;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * The unbiased pass@k estimator of Chen et al. (2021) for one item with {@code n} samples of which {@code c}
     * are correct: {@code 1 - C(n-c, k) / C(n, k)}, computed as a product to avoid huge binomials.
     */
    public static double passAtK(int n, int c, int k) {
        if (k < 1 || k > n) throw new IllegalArgumentException("k must be in 1.." + n + ", got " + k);
        if (n - c < k) return 1.0;
        double fail = 1.0;
        for (int i = n - c + 1; i <= n; i++) fail *= 1.0 - (double) k / i;
        return 1.0 - fail;
    }

    /**
     * The most frequent answer key among samples (ties go to the one seen first), or null when no sample has a
     * key. Majority@k is then whether that answer is correct.
     */
    public static String majority(List<String> keys) {
        Map<String, Integer> counts = new HashMap<>();
        String best = null;
        int bestCount = 0;
        for (String k : keys) {
            if (k == null) continue;
            int c = counts.merge(k, 1, Integer::sum);
            if (c > bestCount) {
                best = k;
                bestCount = c;
            }
        }
        // "seen first" among equals: recount in order
        for (String k : keys) {
            if (k != null && counts.get(k) == bestCount) return k;
        }
        return best;
    }

    /**
     * Exact two-sided McNemar test (a binomial sign test on the discordant pairs): {@code onlyA} items where A was
     * right and B wrong, {@code onlyB} the reverse. Returns the p-value; 1 when there are no discordant pairs.
     */
    public static double mcnemarExact(long onlyA, long onlyB) {
        long n = onlyA + onlyB;
        if (n == 0) return 1.0;
        long k = Math.min(onlyA, onlyB);
        // P(X <= k) for X ~ Bin(n, 1/2), summed in log space for large n
        double tail = 0;
        double logHalfN = n * Math.log(0.5);
        for (long i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) + logHalfN);
        return Math.min(1.0, 2 * tail);
    }

    static double logChoose(long n, long k) {
        return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
    }

    private static double logFactorial(long n) {
        double s = 0;
        for (long i = 2; i <= n; i++) s += Math.log(i);
        return s;
    }

    /** The nearest-rank percentile ({@code q} in 0..100) of the values; NaN when empty. */
    public static double percentile(long[] values, double q) {
        if (values.length == 0) return Double.NaN;
        long[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(q / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    public static double mean(long[] values) {
        if (values.length == 0) return Double.NaN;
        double s = 0;
        for (long x : values) s += x;
        return s / values.length;
    }

    /**
     * Area under the ROC curve of {@code scores} separating {@code positive} from negative cases, as the
     * probability that a random positive outranks a random negative (ties count half). NaN when a class is empty.
     */
    public static double auc(double[] scores, boolean[] positive) {
        long pos = 0;
        long neg = 0;
        double wins = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!positive[i]) continue;
            pos++;
            for (int j = 0; j < scores.length; j++) {
                if (positive[j]) continue;
                if (scores[i] > scores[j]) wins += 1;
                else if (scores[i] == scores[j]) wins += 0.5;
            }
        }
        for (boolean p : positive) if (!p) neg++;
        if (pos == 0 || neg == 0) return Double.NaN;
        return wins / (pos * neg);
    }
}
