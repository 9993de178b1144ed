package dev.muse.eval.score;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a multiple-choice letter out of a model's answer. */
public final class ChoiceAnswers {
    private ChoiceAnswers() {}

    public static String letter(int index) {
        return String.valueOf((char) ('A' + index));
    }

    /**
     * The letter the answer picks among {@code optionCount} options, or null. Looks, in order, for "answer is
     * (X)" / "Answer: X", a boxed letter, an answer that is just the letter, a final "(X)", and an answer that
     * repeats one option's text.
     */
    public static String extract(String answer, List<String> options) {
        if (answer == null || answer.isBlank()) return null;
        int n = options == null || options.isEmpty() ? 26 : options.size();
        String letters = "[A-" + letter(Math.min(n, 26) - 1) + "]";
        String text = answer.strip();
        String found = last(Pattern.compile("(?i:answer)\\s*(?i:is|:)?\\s*[:\\-]?\\s*(?i:option\\s*)?[*_(\\[]*\\s*(" + letters
                + ")\\b(?![a-z'])"), text);
        if (found != null) return found;
        String boxed = LatexAnswers.lastBoxed(text);
        if (boxed != null) {
            Matcher b = Pattern.compile("^\\s*(?:\\\\text\\{)?\\(?(" + letters + ")\\)?\\}?\\s*$").matcher(boxed);
            if (b.find()) return b.group(1);
        }
        // just the letter ("B", "(B)", "**B**"), or the letter opening the reply ("B) Paris", "B. Paris")
        Matcher only = Pattern.compile("^[*_(\\[]*(" + letters + ")[*_)\\].:]*$").matcher(text);
        if (only.find()) return only.group(1);
        Matcher opening = Pattern.compile("^[*_(\\[]*(" + letters + ")[)\\].:][*_]*\\s").matcher(text);
        if (opening.find()) return opening.group(1);
        found = last(Pattern.compile("\\((" + letters + ")\\)"), text);
        if (found != null) return found;
        if (options != null) {
            String norm = squash(text);
            for (int i = 0; i < options.size(); i++) {
                if (!options.get(i).isBlank() && squash(options.get(i)).equals(norm)) return letter(i);
            }
        }
        return null;
    }

    private static String last(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String last = null;
        while (m.find()) last = m.group(1);
        return last;
    }

    private static String squash(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip();
    }
}
