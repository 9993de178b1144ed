package dev.muse.eval.score;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MATH-style answers: finds the {@code \boxed{}} answer and decides whether two LaTeX answers are the same
 * value. A normaliser, not a computer algebra system: it unifies notation (fraction commands, {@code \left(},
 * spacing, degrees, units in {@code \text{}}, thousands separators) and evaluates plain arithmetic with
 * fractions, roots and π numerically; tuples, intervals and lists are compared element by element.
 */
public final class LatexAnswers {
    private LatexAnswers() {}

    /** The content of the last {@code \boxed{…}} (or {@code \fbox{…}}) in {@code text}, braces balanced; else null. */
    public static String lastBoxed(String text) {
        if (text == null) return null;
        int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
        if (at < 0) return null;
        int i = at + (text.startsWith("\\fbox", at) ? 5 : 6);
        while (i < text.length() && text.charAt(i) == ' ') i++;
        if (i >= text.length()) return null;
        if (text.charAt(i) != '{') {
            // "\boxed 5" form: up to the next space or dollar
            int end = i;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') end++;
            return text.substring(i, end);
        }
        int depth = 0;
        for (int j = i; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return text.substring(i + 1, j);
        }
        return null;
    }

    /** The final answer in a model's text: the last boxed answer, else what follows "answer is", else the last line. */
    public static String extract(String answer) {
        if (answer == null || answer.isBlank()) return null;
        String boxed = lastBoxed(answer);
        if (boxed != null) return boxed.strip();
        Matcher m = Pattern.compile("(?i)(?:final answer|answer)\\s*(?:is|:)\\s*:?\\s*(.+)").matcher(answer);
        String last = null;
        while (m.find()) last = m.group(1);
        String line = last != null ? last : answer.strip().lines().reduce((a, b) -> b).orElse("");
        line = line.strip();
        if (line.startsWith("$") && line.lastIndexOf('$') > 0) line = line.substring(1, line.lastIndexOf('$'));
        line = line.replaceAll("[.\\s]+$", "");
        return line.isEmpty() ? null : line;
    }

    /** Whether two answers denote the same value. */
    public static boolean equivalent(String a, String b) {
        if (a == null || b == null) return false;
        String x = normalize(a);
        String y = normalize(b);
        if (x.equals(y)) return true;
        if (x.isEmpty() || y.isEmpty()) return false;
        Double vx = evaluate(x);
        Double vy = evaluate(y);
        if (vx != null && vy != null) return close(vx, vy);
        // tuples and intervals: same brackets, same arity, equal parts
        if (isBracketed(x) && isBracketed(y)) {
            if (x.charAt(0) != y.charAt(0) || x.charAt(x.length() - 1) != y.charAt(y.length() - 1)) return false;
            return sameParts(splitTop(x.substring(1, x.length() - 1)), splitTop(y.substring(1, y.length() - 1)), true);
        }
        // bare lists "1,-2": solution sets, so order does not matter
        List<String> px = splitTop(x);
        List<String> py = splitTop(y);
        if (px.size() > 1 && px.size() == py.size()) return sameParts(px, py, false);
        return false;
    }

    /** A canonical text for grouping equal answers. */
    public static String key(String extracted) {
        if (extracted == null) return null;
        String n = normalize(extracted);
        Double v = evaluate(n);
        if (v != null) return formatKey(v);
        return n;
    }

    /** Notation-only normalisation of a LaTeX answer. */
    public static String normalize(String s) {
        String t = s.strip();
        if (t.startsWith("$") && t.endsWith("$") && t.length() > 1) t = t.replaceAll("^\\$+|\\$+$", "");
        t = t.replace("\\left", "").replace("\\right", "").replace("\\displaystyle", "");
        t = t.replace("\\!", "").replace("\\,", "").replace("\\;", "").replace("\\:", "").replace("\\ ", " ");
        t = t.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac");
        t = t.replace("^{\\circ}", "").replace("^\\circ", "").replace("\\circ", "").replace("°", "");
        t = t.replace("\\%", "").replace("%", "").replace("\\$", "").replace("$", "");
        t = t.replace("\\{", "{").replace("\\}", "}");
        // units or words: "10\text{ cm}" -> "10"; "\text{(B)}" -> "(B)"
        t = t.replaceAll("\\\\(?:mbox|textbf|textit|mathrm|mathbf)\\{", "\\\\text{");
        String withoutTrailingText = t.replaceAll("\\s*\\\\text\\{[^{}]*}\\s*$", "");
        if (!withoutTrailingText.isBlank() && !withoutTrailingText.equals(t)) t = withoutTrailingText;
        t = t.replaceAll("\\\\text\\{([^{}]*)}", "$1");
        // "\frac12" -> "\frac{1}{2}", "\sqrt3" -> "\sqrt{3}"
        t = t.replaceAll("\\\\frac(\\d)(\\d)", "\\\\frac{$1}{$2}");
        t = t.replaceAll("\\\\frac\\{([^{}]*)}(\\d)", "\\\\frac{$1}{$2}");
        t = t.replaceAll("\\\\sqrt(\\d+)", "\\\\sqrt{$1}");
        t = t.replaceAll("\\s+", "");
        // a lone variable on the left: "x=5" -> "5" (but keep equations with more on the left)
        t = t.replaceAll("^[a-zA-Z]=", "");
        // thousands separators in a plain number
        if (t.matches("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?")) t = t.replace(",", "");
        if (t.matches("-?\\.\\d+")) t = t.replace(".", "0.");
        t = t.replaceAll("\\.$", "");
        if (t.matches("-?\\d+\\.\\d*?0+")) t = t.replaceAll("\\.?0+$", "");
        return t;
    }

    /** Evaluates plain LaTeX arithmetic (numbers, +-*\/^, \frac, \sqrt, \pi, \cdot, implicit products), else null. */
    static Double evaluate(String normalized) {
        if (normalized.isEmpty()) return null;
        try {
            Expr p = new Expr(normalized);
            double v = p.sum();
            if (p.pos != p.s.length() || Double.isNaN(v) || Double.isInfinite(v)) return null;
            return v;
        } catch (IllegalStateException | NumberFormatException e) {
            return null;
        }
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.max(Math.abs(a), Math.abs(b)));
    }

    private static String formatKey(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9) return Long.toString(Math.round(v));
        return String.format(java.util.Locale.ROOT, "%.6g", v);
    }

    private static boolean isBracketed(String s) {
        return s.length() >= 2 && "([".indexOf(s.charAt(0)) >= 0 && ")]".indexOf(s.charAt(s.length() - 1)) >= 0
                && splitTop(s).size() == 1;
    }

    private static boolean sameParts(List<String> a, List<String> b, boolean ordered) {
        if (a.size() != b.size()) return false;
        if (ordered) {
            for (int i = 0; i < a.size(); i++) if (!equivalent(a.get(i), b.get(i))) return false;
            return true;
        }
        List<String> rest = new ArrayList<>(b);
        for (String x : a) {
            boolean found = false;
            for (int i = 0; i < rest.size(); i++) {
                if (equivalent(x, rest.get(i))) {
                    rest.remove(i);
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    /** Splits on commas outside brackets and braces. */
    static List<String> splitTop(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("([{".indexOf(c) >= 0) depth++;
            else if (")]}".indexOf(c) >= 0) depth--;
            else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** Recursive-descent evaluator over the normalised text. */
    private static final class Expr {
        final String s;
        int pos;

        Expr(String s) {
            this.s = s;
        }

        double sum() {
            double v = product();
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '+') {
                    pos++;
                    v += product();
                } else if (c == '-') {
                    pos++;
                    v -= product();
                } else {
                    break;
                }
            }
            return v;
        }

        double product() {
            double v = power();
            while (pos < s.length()) {
                if (eat("*") || eat("\\cdot") || eat("\\times")) {
                    v *= power();
                } else if (eat("/") || eat("\\div")) {
                    v /= power();
                } else if (startsFactor()) {
                    v *= power(); // implicit product: 2\sqrt{3}, 3\pi
                } else {
                    break;
                }
            }
            return v;
        }

        double power() {
            double base = unary();
            if (eat("^")) return Math.pow(base, group());
            return base;
        }

        double unary() {
            if (eat("-")) return -unary();
            if (eat("+")) return unary();
            return atom();
        }

        boolean startsFactor() {
            if (pos >= s.length()) return false;
            char c = s.charAt(pos);
            return c == '(' || c == '{' || s.startsWith("\\frac", pos) || s.startsWith("\\sqrt", pos) || s.startsWith("\\pi", pos)
                    || (Character.isDigit(c) && pos > 0 && !Character.isDigit(s.charAt(pos - 1)) && s.charAt(pos - 1) != '.');
        }

        double atom() {
            if (pos >= s.length()) throw new IllegalStateException("end");
            char c = s.charAt(pos);
            if (c == '(') {
                pos++;
                double v = sum();
                expect(")");
                return v;
            }
            if (c == '{') return group();
            if (eat("\\frac")) {
                double num = group();
                double den = group();
                return num / den;
            }
            if (eat("\\sqrt")) {
                double root = 2;
                if (eat("[")) {
                    root = sum();
                    expect("]");
                }
                double v = group();
                return root == 2 ? Math.sqrt(v) : Math.pow(v, 1 / root);
            }
            if (eat("\\pi")) return Math.PI;
            if (Character.isDigit(c) || c == '.') {
                int start = pos;
                while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.')) pos++;
                return Double.parseDouble(s.substring(start, pos));
            }
            throw new IllegalStateException("unexpected " + c);
        }

        /** A braced group, or a single digit/atom as LaTeX allows ("^2", "\frac{1}2"). */
        double group() {
            if (eat("{")) {
                double v = sum();
                expect("}");
                return v;
            }
            if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                return s.charAt(pos++) - '0';
            }
            return atom();
        }

        boolean eat(String t) {
            if (s.startsWith(t, pos)) {
                pos += t.length();
                return true;
            }
            return false;
        }

        void expect(String t) {
            if (!eat(t)) throw new IllegalStateException("expected " + t);
        }
    }
}
