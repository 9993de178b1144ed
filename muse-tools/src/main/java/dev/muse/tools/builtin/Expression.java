package dev.muse.tools.builtin;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The calculator's syntax tree and its parser: precedence climbing by hand, one method per level.
 *
 * <pre>
 * expr    := term (('+' | '-') term)*
 * term    := unary (('*' | '/' | '%') unary)*
 * unary   := ('-' | '+') unary | power
 * power   := postfix ('^' unary)?            right-associative; -2^2 = -(2^2)
 * postfix := primary '!'*
 * primary := number | '(' expr ')' | name '(' expr (',' expr)* ')'
 * </pre>
 *
 * Positions are 1-based character offsets into the input, for error messages.
 */
sealed interface Expression {
    int pos();

    record Num(Rational value, int pos) implements Expression {}

    record Neg(Expression operand, int pos) implements Expression {}

    record Binary(char op, Expression left, Expression right, int pos) implements Expression {}

    record Factorial(Expression operand, int pos) implements Expression {}

    record Call(String function, List<Expression> args, int pos) implements Expression {}

    static final int MAX_LENGTH = 2_000;
    static final int MAX_DEPTH = 200;

    static Expression parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new CalculatorException("expression is " + text.length() + " characters long; the limit is "
                    + MAX_LENGTH + ". Split the computation into several calls.");
        }
        Parser p = new Parser(text);
        p.skipSpace();
        if (p.atEnd()) throw new CalculatorException("the expression is empty: write one, e.g. 2^10 / 3");
        Expression e = p.expr();
        p.skipSpace();
        if (!p.atEnd()) {
            char c = p.peek();
            String hint = c == ')' ? "a ')' without a matching '('"
                    : Character.isDigit(c) || c == '(' || Character.isLetter(c)
                            ? "'" + c + "' where an operator was expected (write multiplication as '*')"
                            : "unexpected '" + c + "'";
            throw p.error(p.i, hint);
        }
        return e;
    }

    final class Parser {
        private final String s;
        private int i;
        private int depth;

        Parser(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        char peek() {
            return s.charAt(i);
        }

        void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        CalculatorException error(int at, String what) {
            return CalculatorException.at(s, at, "syntax error", what);
        }

        /** Consumes the operator at the cursor if it is one of {@code ops}; returns it normalised, or 0. */
        private char operator(String ops) {
            skipSpace();
            if (atEnd()) return 0;
            char c = peek();
            char op = switch (c) {
                case '×', '·' -> '*';
                case '÷' -> '/';
                case '−', '–' -> '-';
                case '*' -> i + 1 < s.length() && s.charAt(i + 1) == '*' ? '^' : '*';
                default -> c;
            };
            if (ops.indexOf(op) < 0) return 0;
            i += c == '*' && op == '^' ? 2 : 1;
            return op;
        }

        private void enter(int at) {
            if (++depth > MAX_DEPTH) {
                throw CalculatorException.at(s, at, "expression too deeply nested",
                        "more than " + MAX_DEPTH + " levels of parentheses, signs or function calls");
            }
        }

        Expression expr() {
            enter(i + 1);
            Expression left = term();
            while (true) {
                int at = i;
                char op = operator("+-");
                if (op == 0) break;
                left = new Binary(op, left, term(), opPos(at));
            }
            depth--;
            return left;
        }

        private int opPos(int before) {
            // the operator sat after any spaces skipped from 'before'
            int k = before;
            while (k < s.length() && Character.isWhitespace(s.charAt(k))) k++;
            return k + 1;
        }

        private Expression term() {
            Expression left = unary();
            while (true) {
                int at = i;
                char op = operator("*/%");
                if (op == 0) break;
                left = new Binary(op, left, unary(), opPos(at));
            }
            return left;
        }

        private Expression unary() {
            int at = i;
            char op = operator("+-");
            if (op == 0) return power();
            enter(opPos(at));
            Expression operand = unary();
            depth--;
            return op == '-' ? new Neg(operand, opPos(at)) : operand;
        }

        private Expression power() {
            Expression base = postfix();
            int at = i;
            char op = operator("^");
            if (op == 0) return base;
            enter(opPos(at));
            Expression exponent = unary(); // right-associative, and 2^-1 is allowed
            depth--;
            return new Binary('^', base, exponent, opPos(at));
        }

        private Expression postfix() {
            Expression e = primary();
            while (true) {
                skipSpace();
                if (atEnd() || peek() != '!') return e;
                e = new Factorial(e, ++i);
            }
        }

        private Expression primary() {
            skipSpace();
            if (atEnd()) throw error(i, "the expression ends where a number or '(' was expected");
            char c = peek();
            int start = i;
            if (Character.isDigit(c) || c == '.') return number();
            if (c == '(') {
                i++;
                Expression inner = expr();
                skipSpace();
                if (atEnd() || peek() != ')') {
                    throw error(i, "expected ')' to close the '(' at position " + (start + 1));
                }
                i++;
                return inner;
            }
            if (Character.isLetter(c)) return call();
            throw error(i, "expected a number, '(' or a function but found '" + c + "'");
        }

        private Expression number() {
            int start = i;
            while (i < s.length() && (Character.isDigit(peek()) || peek() == '_')) i++;
            if (i < s.length() && peek() == '.') {
                i++;
                while (i < s.length() && Character.isDigit(peek())) i++;
            }
            // an exponent only when digits follow: "2e" stays a syntax error, not a silent 2
            if (i < s.length() && (peek() == 'e' || peek() == 'E')) {
                int k = i + 1;
                if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) k++;
                if (k < s.length() && Character.isDigit(s.charAt(k))) {
                    i = k;
                    while (i < s.length() && Character.isDigit(peek())) i++;
                }
            }
            String text = s.substring(start, i).replace("_", "");
            if (text.equals(".")) throw error(start, "a lone '.' is not a number");
            try {
                BigDecimal d = new BigDecimal(text);
                if (Math.abs((long) d.scale()) > 10_000) {
                    throw error(start, "the number's exponent is too large (limit 10000)");
                }
                return new Num(Rational.of(d), start + 1);
            } catch (NumberFormatException | ArithmeticException e) {
                throw error(start, "'" + text + "' is not a number");
            }
        }

        private Expression call() {
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(peek()) || peek() == '_')) i++;
            String written = s.substring(start, i);
            String name = written.toLowerCase(Locale.ROOT);
            skipSpace();
            if (!Functions.NAMES.contains(name)) {
                throw CalculatorException.at(s, start, "unknown name '" + written + "'",
                        "the calculator has no variables or constants; its functions are "
                                + String.join(", ", Functions.NAMES));
            }
            if (atEnd() || peek() != '(') throw error(i, "expected '(' after the function name '" + name + "'");
            enter(start + 1);
            i++;
            List<Expression> args = new ArrayList<>();
            skipSpace();
            if (!atEnd() && peek() == ')') {
                throw error(i, name + "() needs at least one argument");
            }
            while (true) {
                args.add(expr());
                skipSpace();
                if (atEnd()) throw error(i, "expected ',' or ')' to finish the call to " + name + "(");
                char c = peek();
                i++;
                if (c == ')') break;
                if (c != ',') throw error(i - 1, "expected ',' or ')' in the call to " + name + "( but found '" + c + "'");
            }
            depth--;
            return new Call(name, List.copyOf(args), start + 1);
        }
    }
}
