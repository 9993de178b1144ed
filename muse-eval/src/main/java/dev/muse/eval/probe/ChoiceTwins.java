package dev.muse.eval.probe;

import dev.muse.eval.data.Benchmarks;
import dev.muse.eval.data.Item;
import dev.muse.eval.score.ChoiceAnswers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Perturbed twins of multiple-choice items: every option moves to a new position (so a memorised letter is
 * wrong) and the distractors are reworded lightly in ways that keep their meaning (contractions, number
 * formatting, a final period), so a memorised option string no longer matches. The correct option is left as
 * it is, so the twin is exactly as hard for a model that reasons.
 */
public final class ChoiceTwins {
    private ChoiceTwins() {}

    private record Rewrite(Pattern from, String to) {}

    private static final List<Rewrite> REWRITES = new ArrayList<>();

    static {
        String[][] pairs = {
            {"do not", "don't"}, {"does not", "doesn't"}, {"did not", "didn't"}, {"is not", "isn't"}, {"are not", "aren't"},
            {"was not", "wasn't"}, {"were not", "weren't"}, {"cannot", "can't"}, {"will not", "won't"}, {"it is", "it's"},
            {"have not", "haven't"}, {"has not", "hasn't"}, {"would not", "wouldn't"}, {"could not", "couldn't"}};
        for (String[] p : pairs) {
            REWRITES.add(new Rewrite(Pattern.compile("\\b" + Pattern.quote(p[0]) + "\\b"), p[1]));
            REWRITES.add(new Rewrite(Pattern.compile("\\b" + Pattern.quote(p[1]) + "(?!\\w)"), p[0]));
        }
    }

    /** The twin, with {@code meta.reworded} saying how many distractors changed wording. */
    public static Item twin(Item item, long seed) {
        List<String> options = item.choices();
        int n = options.size();
        int gold = item.gold().charAt(0) - 'A';
        // a rotation by 1..n-1 after the item's order moves every option, the correct one included
        int shift = 1 + new Random(seed ^ item.id().hashCode()).nextInt(Math.max(1, n - 1));
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < n; i++) shown.add(null);
        int reworded = 0;
        for (int i = 0; i < n; i++) {
            String o = options.get(i);
            if (i != gold) {
                String r = reword(o);
                if (!r.equals(o)) reworded++;
                o = r;
            }
            shown.set((i + shift) % n, o);
        }
        String newGold = ChoiceAnswers.letter((gold + shift) % n);
        Map<String, String> meta = new LinkedHashMap<>(item.meta());
        meta.put("reworded", Integer.toString(reworded));
        meta.put("original_gold", item.gold());
        String prompt = Benchmarks.formatChoices(Benchmarks.questionOf(item), shown);
        return new Item(item.id(), item.benchmark(), prompt, item.instruction(), newGold, shown, item.scorer(), meta);
    }

    /** A meaning-preserving surface change, or the text unchanged when none applies. */
    static String reword(String s) {
        for (Rewrite r : REWRITES) {
            Matcher m = r.from().matcher(s);
            if (m.find()) {
                String to = r.to();
                String found = m.group();
                if (Character.isUpperCase(found.charAt(0))) to = Character.toUpperCase(to.charAt(0)) + to.substring(1);
                return s.substring(0, m.start()) + to + s.substring(m.end());
            }
        }
        Matcher big = Pattern.compile("(?<![\\d.,])(\\d{4,})(?![\\d.,])").matcher(s);
        if (big.find()) {
            return s.substring(0, big.start()) + String.format(java.util.Locale.ROOT, "%,d", Long.parseLong(big.group(1))) + s.substring(big.end());
        }
        if (s.contains(" ") && s.matches("(?s).*[A-Za-z]$")) return s + ".";
        if (s.contains(" ") && s.endsWith(".") && !s.endsWith("..")) return s.substring(0, s.length() - 1);
        return s;
    }
}
