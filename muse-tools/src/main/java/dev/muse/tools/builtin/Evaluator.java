package dev.muse.tools.builtin;

import dev.muse.tools.builtin.Expression.Binary;
import dev.muse.tools.builtin.Expression.Call;
import dev.muse.tools.builtin.Expression.Factorial;
import dev.muse.tools.builtin.Expression.Neg;
import dev.muse.tools.builtin.Expression.Num;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;

/**
 * Evaluates a parsed expression exactly over rationals. Only {@code sqrt} of a non-square leaves the exact world;
 * such values are carried to {@link #SQRT_DIGITS} significant digits and flagged inexact from then on. Sizes are
 * checked before and after each step so no input can make the tool compute for long or fill memory.
 */
final class Evaluator {
    /** Numbers past 100,000 decimal digits are refused. */
    static final long MAX_DIGITS = 100_000;
    static final long MAX_BITS = (long) Math.ceil(MAX_DIGITS * log2of10());
    static final int MAX_FACTORIAL = 20_000;
    static final int SQRT_DIGITS = 50;

    /** A number and whether it is exact. */
    record Value(Rational r, boolean exact) {
        Value(Rational r) {
            this(r, true);
        }
    }

    private final String input;

    Evaluator(String input) {
        this.input = input;
    }

    Value eval(Expression e) {
        return switch (e) {
            case Num n -> new Value(n.value());
            case Neg n -> {
                Value v = eval(n.operand());
                yield new Value(v.r().negate(), v.exact());
            }
            case Binary b -> binary(b);
            case Factorial f -> factorial(eval(f.operand()), f.pos());
            case Call c -> call(c);
        };
    }

    private Value binary(Binary b) {
        Value l = eval(b.left());
        Value r = eval(b.right());
        boolean exact = l.exact() && r.exact();
        Rational x = l.r(), y = r.r();
        Rational out = switch (b.op()) {
            case '+' -> x.add(y);
            case '-' -> x.subtract(y);
            case '*' -> x.multiply(y);
            case '/' -> {
                if (y.signum() == 0) throw fail(b.pos(), "division by zero", "the divisor " + show(b.right()) + " is 0");
                yield x.divide(y);
            }
            case '%' -> {
                if (y.signum() == 0) throw fail(b.pos(), "modulo by zero", "the divisor " + show(b.right()) + " is 0");
                yield x.mod(y);
            }
            case '^' -> power(x, r, b);
            default -> throw new IllegalStateException("operator " + b.op());
        };
        return new Value(checkSize(out, b.pos()), exact);
    }

    private Rational power(Rational base, Value exponent, Binary b) {
        Rational e = exponent.r();
        if (!e.isInteger()) {
            throw fail(b.pos(), "unsupported power", "the exponent " + e + " is not an integer; only integer powers"
                    + " are exact (for a square root write sqrt(x))");
        }
        BigInteger n = e.num();
        // 0, 1 and -1 stay small for any exponent
        if (base.signum() == 0) {
            if (n.signum() < 0) throw fail(b.pos(), "division by zero", "0 raised to a negative power");
            return n.signum() == 0 ? Rational.ONE : Rational.ZERO;
        }
        if (base.abs().equals(Rational.ONE)) {
            return base.signum() > 0 || !n.testBit(0) ? Rational.ONE : base;
        }
        double bits = n.bitLength() > 31 ? Double.POSITIVE_INFINITY
                : (log2(base.num().abs()) + log2(base.den())) * n.abs().longValue();
        if (bits > MAX_BITS) {
            throw fail(b.pos(), "number too large", "the power " + show(b) + " would have about "
                    + digits(bits) + " digits; the limit is " + MAX_DIGITS + " digits");
        }
        return base.pow(n.intValueExact());
    }

    private Value factorial(Value v, int pos) {
        Rational r = v.r();
        if (!r.isInteger() || r.signum() < 0) {
            throw fail(pos, "bad factorial", "factorial needs a whole number >= 0, not " + r);
        }
        if (r.num().compareTo(BigInteger.valueOf(MAX_FACTORIAL)) > 0) {
            throw fail(pos, "number too large", "factorial is limited to n <= " + MAX_FACTORIAL + " (got " + r + ")");
        }
        int n = r.num().intValue();
        BigInteger acc = BigInteger.ONE;
        for (int k = 2; k <= n; k++) acc = acc.multiply(BigInteger.valueOf(k));
        return new Value(Rational.of(acc), v.exact());
    }

    private Value call(Call c) {
        List<Value> args = c.args().stream().map(this::eval).toList();
        boolean exact = args.stream().allMatch(Value::exact);
        String f = c.function();
        return switch (f) {
            case "sqrt" -> sqrt(one(c, args), c);
            case "abs" -> new Value(one(c, args).r().abs(), exact);
            case "floor" -> new Value(Rational.of(one(c, args).r().floor()), exact);
            case "ceil" -> new Value(Rational.of(one(c, args).r().ceil()), exact);
            case "factorial" -> factorial(one(c, args), c.pos());
            case "round" -> {
                if (args.size() > 2) throw arity(c, "1 or 2 arguments: round(x) or round(x, places)");
                int places = 0;
                if (args.size() == 2) {
                    Rational p = args.get(1).r();
                    if (!p.isInteger() || p.num().abs().compareTo(BigInteger.valueOf(1000)) > 0) {
                        throw fail(c.pos(), "bad argument", "round's places must be a whole number from -1000 to 1000");
                    }
                    places = p.num().intValue();
                }
                yield new Value(args.getFirst().r().round(places), exact);
            }
            case "min", "max" -> {
                Value best = args.getFirst();
                for (Value v : args) {
                    int cmp = v.r().compareTo(best.r());
                    if (f.equals("min") ? cmp < 0 : cmp > 0) best = v;
                }
                yield new Value(best.r(), exact);
            }
            case "gcd", "lcm" -> {
                BigInteger acc = null;
                for (int k = 0; k < args.size(); k++) {
                    Rational a = args.get(k).r();
                    if (!a.isInteger()) {
                        throw fail(c.args().get(k).pos(), "bad argument", f + " needs whole numbers, not " + a);
                    }
                    BigInteger x = a.num().abs();
                    if (acc == null) acc = x;
                    else if (f.equals("gcd")) acc = acc.gcd(x);
                    else acc = acc.signum() == 0 || x.signum() == 0
                            ? BigInteger.ZERO : acc.divide(acc.gcd(x)).multiply(x);
                    checkSize(Rational.of(acc), c.pos());
                }
                yield new Value(Rational.of(acc), exact);
            }
            default -> throw fail(c.pos(), "unknown function", f);
        };
    }

    private Value sqrt(Value v, Call c) {
        Rational r = v.r();
        if (r.signum() < 0) {
            throw fail(c.pos(), "square root of a negative number",
                    "sqrt(" + r + ") is not a real number; the calculator works with real numbers only");
        }
        BigInteger sn = r.num().sqrt(), sd = r.den().sqrt();
        if (sn.multiply(sn).equals(r.num()) && sd.multiply(sd).equals(r.den())) {
            return new Value(new Rational(sn, sd), v.exact());
        }
        BigDecimal approx = r.toBigDecimal(new MathContext(SQRT_DIGITS + 10)).sqrt(new MathContext(SQRT_DIGITS));
        return new Value(Rational.of(approx), false);
    }

    private Value one(Call c, List<Value> args) {
        if (args.size() != 1) throw arity(c, "exactly 1 argument, got " + args.size());
        return args.getFirst();
    }

    private CalculatorException arity(Call c, String expected) {
        return fail(c.pos(), "wrong number of arguments", c.function() + " takes " + expected);
    }

    private Rational checkSize(Rational r, int pos) {
        if (r.bits() > MAX_BITS) {
            throw fail(pos, "number too large", "an intermediate result has about " + digits((double) r.bits())
                    + " digits; the limit is " + MAX_DIGITS + " digits");
        }
        return r;
    }

    private static String digits(double bits) {
        return Double.isInfinite(bits) || bits > 1e15 ? "astronomically many" : String.valueOf((long) Math.ceil(bits / log2of10()));
    }

    static double log2of10() {
        return Math.log(10) / Math.log(2);
    }

    /** log2 of a positive integer of any size (shifting keeps the double in range). */
    static double log2(BigInteger x) {
        int shift = Math.max(0, x.bitLength() - 60);
        return Math.log(x.shiftRight(shift).doubleValue()) / Math.log(2) + shift;
    }

    /** The source text of a sub-expression, for messages like "the divisor (3-3) is 0". */
    private String show(Expression e) {
        String text = switch (e) {
            case Num n -> n.value().toString();
            default -> "'" + describe(e) + "'";
        };
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    private String describe(Expression e) {
        return switch (e) {
            case Num n -> n.value().toString();
            case Neg n -> "-" + describe(n.operand());
            case Binary b -> "(" + describe(b.left()) + " " + b.op() + " " + describe(b.right()) + ")";
            case Factorial f -> describe(f.operand()) + "!";
            case Call c -> c.function() + "(" + String.join(", ", c.args().stream().map(this::describe).toList()) + ")";
        };
    }

    private CalculatorException fail(int pos, String kind, String what) {
        return CalculatorException.at(input, pos - 1, kind, what);
    }
}
