package dev.muse.eval.score;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads numbers the way people write them ("$1,200", "12.5%", "3/4", "-7 apples", "\frac{3}{4}") and picks the
 * final answer out of a worked solution.
 */
public final class NumericAnswers {
    private NumericAnswers() {}

    // a number with optional sign, thousands separators and decimals, optionally a fraction a/b
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![\\w.])-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?(?:\\s*/\\s*\\d+(?:\\.\\d+)?)?|(?<![\\w.])-?\\.\\d+");
    private static final Pattern FRAC = Pattern.compile("\\\\[dt]?frac\\s*\\{\\s*(-?[\\d.,]+)\\s*}\\s*\\{\\s*(-?[\\d.,]+)\\s*}");
    private static final Pattern ANSWER_IS = Pattern.compile(
            "(?i)(?:final answer|the answer|answer)\\s*(?:is|:|=)?\\s*[:=]?\\s*\\**\\s*\\$?\\s*(-?[\\d.,/\\s]*\\d)");

    /** Parses one number written in any common way, or returns null. */
    public static BigDecimal parse(String text) {
        if (text == null) return null;
        String s = text.strip();
        Matcher f = FRAC.matcher(s);
        if (f.find()) {
            BigDecimal a = plain(f.group(1));
            BigDecimal b = plain(f.group(2));
            if (a != null && b != null && b.signum() != 0) {
                BigDecimal v = a.divide(b, MathContext.DECIMAL64);
                return s.substring(0, f.start()).contains("-") ? v.negate() : v;
            }
        }
        s = s.replace("\\$", "").replace("$", "").replace("\\%", "").replace("%", "").replace("\\!", "");
        Matcher m = NUMBER.matcher(s);
        return m.find() ? value(m.group()) : null;
    }

    /**
     * The final numeric answer in a model's text: the number after "####", in {@code \boxed{}}, after "the answer
     * is", or else the last number written.
     */
    public static String extract(String answer) {
        if (answer == null || answer.isBlank()) return null;
        int hashes = answer.lastIndexOf("####");
        if (hashes >= 0) {
            String tail = firstNumber(answer.substring(hashes + 4));
            if (tail != null) return tail;
        }
        String boxed = LatexAnswers.lastBoxed(answer);
        if (boxed != null && parse(boxed) != null) return boxed.strip();
        Matcher a = ANSWER_IS.matcher(answer);
        String last = null;
        while (a.find()) last = a.group(1);
        if (last != null && parse(last) != null) return last.strip();
        List<String> all = numbers(answer);
        return all.isEmpty() ? null : all.getLast();
    }

    /** Whether {@code answer}'s final number equals {@code gold}'s (to a relative 1e-6). */
    public static boolean equal(String extracted, String gold) {
        BigDecimal a = parse(extracted);
        BigDecimal b = parse(gold);
        if (a == null || b == null) return false;
        BigDecimal tol = b.abs().max(BigDecimal.ONE).multiply(new BigDecimal("1e-6"));
        return a.subtract(b).abs().compareTo(tol) <= 0;
    }

    /** A canonical text for grouping equal numbers ("1,200.0" and "1200" share one key). */
    public static String key(String extracted) {
        BigDecimal v = parse(extracted);
        if (v == null) return null;
        v = v.round(new MathContext(12));
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    static List<String> numbers(String text) {
        String s = text.replace("\\$", "$");
        List<String> out = new ArrayList<>();
        Matcher m = NUMBER.matcher(s);
        while (m.find()) out.add(m.group().strip());
        return out;
    }

    private static String firstNumber(String text) {
        Matcher m = NUMBER.matcher(text.replace("$", ""));
        return m.find() ? m.group().strip() : null;
    }

    private static BigDecimal value(String token) {
        String t = token.replace(" ", "");
        int slash = t.indexOf('/');
        if (slash > 0) {
            BigDecimal a = plain(t.substring(0, slash));
            BigDecimal b = plain(t.substring(slash + 1));
            if (a == null || b == null || b.signum() == 0) return null;
            return a.divide(b, MathContext.DECIMAL64);
        }
        return plain(t);
    }

    private static BigDecimal plain(String s) {
        try {
            return new BigDecimal(s.replace(",", "").strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
