package dev.muse.eval.probe;

import dev.muse.eval.data.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Perturbed twins of GSM8K problems: the numbers of the question are resampled and the answer recomputed by
 * re-running the solution's own calculator annotations ({@code <<16-3-4=9>>}) with the new numbers. Only items
 * whose arithmetic can be traced are twinned: every literal of every annotation must be a question number, an
 * earlier result, or an unrelated constant, never ambiguously two of these; each recomputed step must stay whole
 * and non-negative where the original was. Anything else is skipped with the reason, never guessed.
 */
public final class Gsm8kTwins {
    /** A twin, or why the item has none. */
    public record Twin(Item item, String skipReason) {
        public boolean made() {
            return item != null;
        }
    }

    private static final Pattern ANNOTATION = Pattern.compile("<<([^<>=]+)=([^<>]+)>>");
    private static final Pattern QUESTION_NUMBER = Pattern.compile("(?<![\\w.,/:])(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d+)?(?![\\w/:]|[.,]\\d)");
    /** Counts that carry a unit's meaning (a week, a dozen, minutes, percent): kept as they are. */
    private static final Set<Long> UNIT_CONSTANTS = Set.of(0L, 1L, 2L, 7L, 12L, 24L, 30L, 52L, 60L, 100L, 365L, 1000L);
    private static final int TRIES = 40;

    private Gsm8kTwins() {}

    private record Step(Arithmetic expr, double result) {}

    private record Occurrence(int start, int end, long value, boolean commas) {}

    public static Twin twin(Item item, long seed) {
        String solution = item.meta().get("solution");
        if (solution == null) return skip("no worked solution");
        List<Step> steps = new ArrayList<>();
        Matcher a = ANNOTATION.matcher(solution);
        while (a.find()) {
            Arithmetic e = Arithmetic.parse(a.group(1));
            Double r = number(a.group(2));
            if (e == null || r == null) return skip("an annotation is not plain arithmetic: <<" + a.group() + ">>");
            double v = e.eval(k -> e.literals.get(k).value());
            if (Math.abs(v - r) > 0.01 * Math.max(1, Math.abs(r))) return skip("an annotation does not recompute: " + a.group());
            steps.add(new Step(e, r));
        }
        if (steps.isEmpty()) return skip("no calculator annotations");
        Double gold = number(item.gold());
        if (gold == null) return skip("the answer is not a number");
        int goldStep = -1;
        for (int i = steps.size() - 1; i >= 0; i--) {
            if (same(steps.get(i).result(), gold)) {
                goldStep = i;
                break;
            }
        }
        if (goldStep < 0) return skip("the final answer is not the result of an annotation");

        // the question's integers that the arithmetic uses
        List<Occurrence> occurrences = new ArrayList<>();
        Matcher q = QUESTION_NUMBER.matcher(item.prompt());
        Set<Double> fixed = new LinkedHashSet<>();
        while (q.find()) {
            if (q.group(2) != null) {
                fixed.add(Double.parseDouble(q.group().replace(",", "")));
                continue;
            }
            long v = Long.parseLong(q.group(1).replace(",", ""));
            if (UNIT_CONSTANTS.contains(v)) fixed.add((double) v);
            else occurrences.add(new Occurrence(q.start(), q.end(), v, q.group(1).contains(",")));
        }
        Set<Long> used = new LinkedHashSet<>();
        for (Step s : steps) for (Arithmetic.Literal l : s.expr().literals) {
            for (Occurrence o : occurrences) if (same(l.value(), o.value())) used.add(o.value());
        }
        if (used.isEmpty()) return skip("no question number feeds the arithmetic");

        // classify each literal: a question number to resample, an earlier result, or a constant
        List<int[]> sources = new ArrayList<>(); // per step, per literal: -1-k = question value k, k>=0 = step k, MIN = constant
        List<Long> variables = new ArrayList<>(used);
        for (int i = 0; i < steps.size(); i++) {
            List<Arithmetic.Literal> lits = steps.get(i).expr().literals;
            int[] src = new int[lits.size()];
            for (int j = 0; j < lits.size(); j++) {
                double v = lits.get(j).value();
                int earlier = -1;
                for (int k = i - 1; k >= 0; k--) {
                    if (same(steps.get(k).result(), v)) {
                        earlier = k;
                        break;
                    }
                }
                int var = -1;
                for (int k = 0; k < variables.size(); k++) if (same(variables.get(k), v)) var = k;
                if (earlier >= 0 && var >= 0) return skip("the number " + lits.get(j).text() + " is both a question number and an earlier result");
                if (earlier >= 0 && fixed.stream().anyMatch(f -> same(f, v))) {
                    return skip("the number " + lits.get(j).text() + " is both a number of the question and an earlier result");
                }
                if (earlier >= 0) src[j] = earlier;
                else if (var >= 0) src[j] = -1 - var;
                else {
                    for (long u : variables) {
                        // a percentage or a reciprocal written out (25% as .25, a quarter of 4 as .25)
                        if (!isWhole(v) && (same(v, u / 100.0) || same(v, u / 10.0) || (v != 0 && same(1 / v, u)))) {
                            return skip("the constant " + lits.get(j).text() + " looks derived from the question number " + u);
                        }
                    }
                    src[j] = Integer.MIN_VALUE;
                }
            }
            sources.add(src);
        }

        Random rng = new Random(seed ^ item.id().hashCode() * 0x9E3779B97F4A7C15L);
        for (int attempt = 0; attempt < TRIES; attempt++) {
            Map<Long, Long> fresh = new HashMap<>();
            for (long v : variables) fresh.put(v, resample(v, rng));
            if (new LinkedHashSet<>(fresh.values()).size() != fresh.size()) continue;
            double[] results = new double[steps.size()];
            boolean ok = true;
            for (int i = 0; i < steps.size() && ok; i++) {
                int[] src = sources.get(i);
                Arithmetic e = steps.get(i).expr();
                double r;
                try {
                    r = e.eval(k -> src[k] == Integer.MIN_VALUE ? e.literals.get(k).value()
                            : src[k] >= 0 ? results[src[k]] : fresh.get(variables.get(-1 - src[k])));
                } catch (RuntimeException ex) {
                    ok = false;
                    break;
                }
                double orig = steps.get(i).result();
                if (Double.isNaN(r) || Double.isInfinite(r)) ok = false;
                else if (isWhole(orig) && !isWhole(r)) ok = false;
                else if (orig >= 0 && r < 0) ok = false;
                else if (orig != 0 && Math.abs(r) < 1e-9) ok = false;
                else if (!isWhole(orig) && Math.abs(r * 100 - Math.rint(r * 100)) > 1e-6) ok = false; // keep cents
                results[i] = r;
            }
            if (!ok) continue;
            String question = rewrite(item.prompt(), occurrences, fresh);
            String newGold = format(results[goldStep]);
            Map<String, String> meta = new LinkedHashMap<>(item.meta());
            meta.remove("solution");
            meta.put("original_gold", item.gold());
            meta.put("resampled", fresh.toString());
            return new Twin(new Item(item.id(), item.benchmark(), question, item.instruction(), newGold, List.of(), item.scorer(), meta), null);
        }
        return skip("no resampling within " + TRIES + " tries kept every step whole and non-negative");
    }

    private static Twin skip(String why) {
        return new Twin(null, why);
    }

    /** A new value near v, keeping its roundness (multiples of 10 or 5 stay so). */
    static long resample(long v, Random rng) {
        long step = 1;
        while (v % (step * 10) == 0 && step < 1_000_000) step *= 10;
        if (step == 1 && v % 5 == 0) step = 5;
        long lo = Math.max(3, Math.round(v * 0.5));
        long hi = Math.max(lo + 2 * step, Math.round(v * 1.5));
        for (int i = 0; i < 20; i++) {
            long c = lo + (long) (rng.nextDouble() * (hi - lo + 1));
            c = Math.max(step, Math.round((double) c / step) * step);
            if (c != v && !UNIT_CONSTANTS.contains(c)) return c;
        }
        return v + step;
    }

    private static String rewrite(String text, List<Occurrence> occ, Map<Long, Long> fresh) {
        StringBuilder sb = new StringBuilder();
        int last = 0;
        for (Occurrence o : occ) {
            Long nv = fresh.get(o.value());
            if (nv == null) continue;
            sb.append(text, last, o.start()).append(o.commas() ? String.format(java.util.Locale.ROOT, "%,d", nv) : Long.toString(nv));
            last = o.end();
        }
        return sb.append(text.substring(last)).toString();
    }

    private static boolean same(double a, double b) {
        return Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b));
    }

    private static boolean isWhole(double v) {
        return Math.abs(v - Math.rint(v)) < 1e-9;
    }

    static String format(double v) {
        if (isWhole(v)) return Long.toString(Math.round(v));
        return new java.math.BigDecimal(v).setScale(6, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static Double number(String s) {
        try {
            return Double.parseDouble(s.replace(",", "").replace("$", "").strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
