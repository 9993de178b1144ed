package dev.muse.reasoning;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulls a short final answer out of an agent's response and normalises it so that equivalent answers ("1,000",
 * "$1000", "1000.0") share one key. Pure functions: aggregation's correctness rests on them, so they are tested
 * without any model.
 */
final class Answers {
    private Answers() {}

    /** The longest text we still treat as a short answer rather than free-form prose. */
    static final int SHORT_ANSWER_CHARS = 80;

    private static final Pattern FINAL_ANSWER =
            Pattern.compile("(?im)final\\s+answer\\s*(?:is)?\\s*[:：\\-–—]?\\s*(.+)$");
    private static final Pattern THE_ANSWER_IS =
            Pattern.compile("(?im)\\b(?:the\\s+)?(?:correct\\s+)?answer\\s+is\\s*[:：]?\\s*(.+)$");
    private static final Pattern ANSWER_COLON = Pattern.compile("(?im)^\\W*answer\\s*[:：]\\s*(.+)$");
    private static final Pattern CHOICE =
            Pattern.compile("(?i)^(?:option|choice|answer)?\\s*[:：]?\\s*[(\\[]?([A-J])[)\\].:]?$");
    private static final Pattern A_NUMBER =
            Pattern.compile("-?[$€£¥]?\\d[\\d,]*(?:\\.\\d+)?(?:\\s*/\\s*\\d+)?%?");
    private static final Pattern NUMBER = Pattern.compile(
            "^([-+−]?)[$€£¥]?\\s*((?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|\\.\\d+)(?:[eE]([-+]?\\d+))?\\s*(%|[a-zA-Z°²³^/ .]*)$");
    private static final Pattern FRACTION = Pattern.compile("^([-+−]?)\\s*(\\d+)\\s*/\\s*(\\d+)$");
    private static final Pattern LATEX_FRAC = Pattern.compile("^([-+−]?)\\\\[dt]?frac\\{\\s*(\\d+)\\s*}\\{\\s*(\\d+)\\s*}$");
    /** "(B) Paris", "B) Paris", "B. Paris": a letter choice followed by the option's text. */
    private static final Pattern CHOICE_WITH_TEXT = Pattern.compile("^(?:\\(([A-J])\\)|([A-J])[).:])\\s+\\S.*$");
    /** Where an answer given inline ends: a sentence break or a justification. */
    private static final Pattern CLAUSE_END = Pattern.compile("(?<=\\S)[.;,!]\\s|\\s+(?:because|since|as|which|so)\\b");
    private static final Pattern ASSIGNMENT = Pattern.compile("^[a-zA-Z]\\w{0,2}\\s*=\\s*(.+)$");

    /**
     * What an agent answered.
     *
     * @param text the short answer as written (decorations removed), or the whole response for free-form answers
     * @param shortForm true when a short answer (a number, letter, word or phrase) could be extracted
     */
    record Extracted(String text, boolean shortForm) {}

    /** Extracts the final answer of {@code response}: an explicit marker first, then the last line or number. */
    static Extracted extract(String response) {
        if (response == null || response.isBlank()) return new Extracted("", false);
        String r = response.strip();
        String boxed = lastBoxed(r);
        if (boxed != null) return new Extracted(clean(boxed), true);
        for (Pattern p : new Pattern[] {FINAL_ANSWER, THE_ANSWER_IS, ANSWER_COLON}) {
            String hit = firstClause(lastGroup(p, r));
            if (hit != null && !clean(hit).isEmpty() && clean(hit).length() <= SHORT_ANSWER_CHARS) {
                return new Extracted(clean(hit), true);
            }
        }
        String last = lastLine(r);
        String cleanLast = clean(last);
        if (CHOICE.matcher(cleanLast).matches()) return new Extracted(cleanLast, true);
        // a response that is one short line is itself the answer; prose ending in a number yields the number
        if (!r.contains("\n") && cleanLast.length() <= SHORT_ANSWER_CHARS) return new Extracted(cleanLast, true);
        if (!cleanLast.isEmpty() && !normalize(cleanLast).startsWith("text:")) return new Extracted(cleanLast, true);
        Matcher m = A_NUMBER.matcher(last);
        String lastNumber = null;
        while (m.find()) lastNumber = m.group();
        if (lastNumber != null) return new Extracted(clean(lastNumber.replaceAll(",$", "")), true);
        return new Extracted(r, false);
    }

    /**
     * A key shared by equivalent answers: {@code num:3/4}, {@code choice:B}, {@code bool:true}, or {@code text:...}
     * (lower case, punctuation and articles removed).
     */
    static String normalize(String answer) {
        if (answer == null) return "text:";
        String a = clean(answer);
        Matcher assign = ASSIGNMENT.matcher(a);
        if (assign.matches() && numberKey(clean(assign.group(1))) != null) a = clean(assign.group(1));
        Matcher choice = CHOICE.matcher(a);
        if (choice.matches()) return "choice:" + choice.group(1).toUpperCase(Locale.ROOT);
        Matcher withText = CHOICE_WITH_TEXT.matcher(a);
        if (withText.matches()) return "choice:" + (withText.group(1) != null ? withText.group(1) : withText.group(2));
        String lower = a.toLowerCase(Locale.ROOT).replaceAll("[.!]+$", "").strip();
        switch (lower) {
            case "yes", "true", "correct", "y" -> {
                return "bool:true";
            }
            case "no", "false", "incorrect", "n" -> {
                return "bool:false";
            }
            default -> {}
        }
        String num = numberKey(a);
        if (num != null) return "num:" + num;
        String text = lower.replaceAll("[^\\p{L}\\p{N}\\s]", " ")
                .replaceAll("^(the|a|an)\\s+", "")
                .replaceAll("\\s+", " ")
                .strip();
        return "text:" + text;
    }

    /** An exact rational "p/q" (or "p") for a number written in any usual way, or null if it is not a number. */
    static String numberKey(String s) {
        String a = s.strip().replace('−', '-').replace("\\%", "%").replace("\\$", "$");
        Matcher f = FRACTION.matcher(a);
        if (!f.matches()) f = LATEX_FRAC.matcher(a);
        if (f.matches()) {
            BigInteger den = new BigInteger(f.group(3));
            if (den.signum() == 0) return null;
            return rational(new BigInteger(f.group(2)), den, "-".equals(f.group(1)));
        }
        Matcher m = NUMBER.matcher(a);
        if (!m.matches()) return null;
        String unit = m.group(4).strip();
        // "5 apples" keeps its number; "5 to 7" or long trailing prose is not a number
        if (unit.split("\\s+").length > 2) return null;
        BigDecimal d = new BigDecimal(m.group(2).replace(",", ""));
        if (m.group(3) != null) d = d.scaleByPowerOfTen(Integer.parseInt(m.group(3)));
        boolean negative = "-".equals(m.group(1));
        BigInteger num;
        BigInteger den;
        if (d.scale() > 0) {
            num = d.unscaledValue();
            den = BigInteger.TEN.pow(d.scale());
        } else {
            num = d.toBigIntegerExact();
            den = BigInteger.ONE;
        }
        return rational(num, den, negative);
    }

    private static String rational(BigInteger num, BigInteger den, boolean negative) {
        BigInteger g = num.gcd(den);
        if (g.signum() != 0) {
            num = num.divide(g);
            den = den.divide(g);
        }
        String sign = negative && num.signum() != 0 ? "-" : "";
        return den.equals(BigInteger.ONE) ? sign + num : sign + num + "/" + den;
    }

    /** Removes markdown, LaTeX wrappers, quotes and trailing punctuation. */
    static String clean(String s) {
        String a = s.strip();
        a = a.replaceAll("\\*\\*|__|`", "").strip();
        a = a.replaceAll("^\\$+|\\$+$", "").strip();
        a = a.replaceAll("\\\\text\\{([^}]*)}", "$1").replaceAll("\\\\(?:mathrm|textbf|mathbf)\\{([^}]*)}", "$1");
        a = a.replaceAll("^\\\\\\(|\\\\\\)$", "").replaceAll("^\\\\\\[|\\\\]$", "");
        a = a.strip();
        if (a.length() >= 2 && (a.startsWith("\"") && a.endsWith("\"") || a.startsWith("'") && a.endsWith("'"))) {
            a = a.substring(1, a.length() - 1);
        }
        a = a.replaceAll("[\\s.;,!]+$", "").strip();
        return a;
    }

    private static String firstClause(String s) {
        if (s == null) return null;
        Matcher m = CLAUSE_END.matcher(s);
        return m.find() ? s.substring(0, m.start()) : s;
    }

    private static String lastGroup(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String hit = null;
        while (m.find()) hit = m.group(1);
        return hit;
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) return lines[i].strip();
        }
        return "";
    }

    /** The content of the last {@code \boxed{...}}, braces balanced, or null. */
    static String lastBoxed(String text) {
        int at = text.lastIndexOf("\\boxed{");
        if (at < 0) return null;
        int depth = 0;
        int start = at + "\\boxed{".length();
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') depth++;
            else if (c == '}') {
                if (depth == 0) return text.substring(start, i);
                depth--;
            }
        }
        return null;
    }
}
