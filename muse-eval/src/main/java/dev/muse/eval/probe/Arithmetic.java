package dev.muse.eval.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * The calculator expressions of GSM8K solutions ({@code 16-3-4}, {@code (2+3)*4.5}): tokenised once, then
 * evaluated with each number literal replaced as the caller says.
 */
final class Arithmetic {
    /** A number literal of the expression and its value. */
    record Literal(String text, double value) {}

    private final List<Object> tokens; // Literal, or Character for + - * / ( )
    final List<Literal> literals = new ArrayList<>();

    private Arithmetic(List<Object> tokens) {
        this.tokens = tokens;
        for (Object t : tokens) if (t instanceof Literal l) literals.add(l);
    }

    /** Parses the expression, or returns null when it holds anything but numbers, + - * / and parentheses. */
    static Arithmetic parse(String expr) {
        List<Object> toks = new ArrayList<>();
        String s = expr.replace(",", "").replace("$", "").replace(" ", "");
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isDigit(c) || c == '.') {
                int j = i;
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) j++;
                String t = s.substring(i, j);
                try {
                    toks.add(new Literal(t, Double.parseDouble(t)));
                } catch (NumberFormatException e) {
                    return null;
                }
                i = j;
            } else if ("+-*/()".indexOf(c) >= 0) {
                toks.add(c);
                i++;
            } else {
                return null;
            }
        }
        Arithmetic a = new Arithmetic(toks);
        try {
            a.eval(k -> a.literals.get(k).value());
        } catch (RuntimeException e) {
            return null;
        }
        return a;
    }

    /** Evaluates with literal k replaced by {@code value.applyAsDouble(k)}. */
    double eval(IntToDoubleFunction value) {
        int[] pos = {0};
        int[] lit = {0};
        double v = sum(pos, lit, value);
        if (pos[0] != tokens.size()) throw new IllegalStateException("trailing tokens");
        return v;
    }

    private double sum(int[] pos, int[] lit, IntToDoubleFunction value) {
        double v = product(pos, lit, value);
        while (pos[0] < tokens.size() && (is(pos[0], '+') || is(pos[0], '-'))) {
            char op = (Character) tokens.get(pos[0]++);
            double r = product(pos, lit, value);
            v = op == '+' ? v + r : v - r;
        }
        return v;
    }

    private double product(int[] pos, int[] lit, IntToDoubleFunction value) {
        double v = atom(pos, lit, value);
        while (pos[0] < tokens.size() && (is(pos[0], '*') || is(pos[0], '/'))) {
            char op = (Character) tokens.get(pos[0]++);
            double r = atom(pos, lit, value);
            v = op == '*' ? v * r : v / r;
        }
        return v;
    }

    private double atom(int[] pos, int[] lit, IntToDoubleFunction value) {
        if (pos[0] >= tokens.size()) throw new IllegalStateException("unexpected end");
        Object t = tokens.get(pos[0]++);
        if (t instanceof Literal) return value.applyAsDouble(lit[0]++);
        if (t.equals('-')) return -atom(pos, lit, value);
        if (t.equals('(')) {
            double v = sum(pos, lit, value);
            if (pos[0] >= tokens.size() || !is(pos[0], ')')) throw new IllegalStateException("missing )");
            pos[0]++;
            return v;
        }
        throw new IllegalStateException("unexpected " + t);
    }

    private boolean is(int i, char c) {
        return tokens.get(i) instanceof Character ch && ch == c;
    }
}
