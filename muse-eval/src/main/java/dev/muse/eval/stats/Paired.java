package dev.muse.eval.stats;

import java.util.Locale;
import java.util.Map;

/**
 * A paired comparison of two conditions (two modes, or originals against their perturbed twins) on the same
 * items. Per item the score is the mean over epochs; an item counts for A when A's mean is higher, for B when
 * B's is, and is a tie otherwise. With one epoch this is exactly McNemar's test on the discordant pairs.
 *
 * @param n items scored under both conditions
 * @param accuracyA mean score of A over those items
 * @param betterA items where A did better
 * @param betterB items where B did better
 * @param pValue exact two-sided p-value
 */
public record Paired(String a, String b, int n, double accuracyA, double accuracyB, int betterA, int betterB, double pValue) {

    /** Significance level the sentence uses. */
    public static final double ALPHA = 0.05;

    public static Paired compare(String a, String b, Map<String, Double> scoresA, Map<String, Double> scoresB) {
        int n = 0;
        int betterA = 0;
        int betterB = 0;
        double sumA = 0;
        double sumB = 0;
        for (Map.Entry<String, Double> e : scoresA.entrySet()) {
            Double sb = scoresB.get(e.getKey());
            if (sb == null) continue;
            double sa = e.getValue();
            n++;
            sumA += sa;
            sumB += sb;
            if (sa > sb + 1e-12) betterA++;
            else if (sb > sa + 1e-12) betterB++;
        }
        double p = Stats.mcnemarExact(betterA, betterB);
        return new Paired(a, b, n, n == 0 ? Double.NaN : sumA / n, n == 0 ? Double.NaN : sumB / n, betterA, betterB, p);
    }

    public boolean significant() {
        return n > 0 && pValue < ALPHA;
    }

    /** One sentence that claims a difference only when the test supports it. */
    public String sentence() {
        if (n == 0) return a + " and " + b + " share no scored items, so they cannot be compared.";
        boolean aWins = betterA > betterB;
        String first = significant() && !aWins ? b : a;
        String second = first.equals(a) ? b : a;
        double accFirst = first.equals(a) ? accuracyA : accuracyB;
        double accSecond = first.equals(a) ? accuracyB : accuracyA;
        int favFirst = first.equals(a) ? betterA : betterB;
        int favSecond = first.equals(a) ? betterB : betterA;
        String detail = String.format(Locale.ROOT, "(%.1f%% vs %.1f%% on %d shared items; %d favour %s, %d favour %s; exact McNemar p %s)",
                100 * accFirst, 100 * accSecond, n, favFirst, first, favSecond, second, formatP(pValue));
        if (!significant()) return "No significant difference between " + a + " and " + b + " " + detail + ".";
        return first + " beats " + second + " " + detail + ".";
    }

    static String formatP(double p) {
        if (p < 0.001) return "< 0.001";
        return String.format(Locale.ROOT, "= %.3f", p);
    }
}
