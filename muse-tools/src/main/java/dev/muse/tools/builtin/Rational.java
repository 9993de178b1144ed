package dev.muse.tools.builtin;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/** An exact rational number in lowest terms with a positive denominator. */
record Rational(BigInteger num, BigInteger den) implements Comparable<Rational> {
    static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

    Rational {
        if (den.signum() == 0) throw new ArithmeticException("division by zero");
        if (den.signum() < 0) {
            num = num.negate();
            den = den.negate();
        }
        BigInteger g = num.gcd(den);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            num = num.divide(g);
            den = den.divide(g);
        }
        if (num.signum() == 0) den = BigInteger.ONE;
    }

    static Rational of(BigInteger n) {
        return new Rational(n, BigInteger.ONE);
    }

    static Rational of(long n) {
        return of(BigInteger.valueOf(n));
    }

    /** Exact: 0.1 is 1/10, 2.5e-3 is 1/400. */
    static Rational of(BigDecimal d) {
        return d.scale() <= 0
                ? of(d.toBigIntegerExact())
                : new Rational(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
    }

    boolean isInteger() {
        return den.equals(BigInteger.ONE);
    }

    int signum() {
        return num.signum();
    }

    /** Bits needed to hold it, the measure the size limits use. */
    long bits() {
        return (long) num.bitLength() + den.bitLength();
    }

    Rational add(Rational o) {
        return new Rational(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
    }

    Rational subtract(Rational o) {
        return add(o.negate());
    }

    Rational multiply(Rational o) {
        return new Rational(num.multiply(o.num), den.multiply(o.den));
    }

    Rational divide(Rational o) {
        if (o.signum() == 0) throw new ArithmeticException("division by zero");
        return new Rational(num.multiply(o.den), den.multiply(o.num));
    }

    Rational negate() {
        return new Rational(num.negate(), den);
    }

    Rational abs() {
        return signum() < 0 ? negate() : this;
    }

    /** Integer power; a negative exponent takes the reciprocal. */
    Rational pow(int e) {
        if (e >= 0) return new Rational(num.pow(e), den.pow(e));
        if (signum() == 0) throw new ArithmeticException("division by zero (0 to a negative power)");
        return new Rational(den.pow(-e), num.pow(-e));
    }

    BigInteger floor() {
        BigInteger[] qr = num.divideAndRemainder(den);
        return qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
    }

    BigInteger ceil() {
        return floor().add(isInteger() ? BigInteger.ZERO : BigInteger.ONE);
    }

    /** Floored modulo: the result has the divisor's sign, as in Python and mathematics (-7 % 3 = 2). */
    Rational mod(Rational o) {
        if (o.signum() == 0) throw new ArithmeticException("modulo by zero");
        return subtract(o.multiply(of(divide(o).floor())));
    }

    /** Rounds to {@code places} decimal places, halves away from zero. */
    Rational round(int places) {
        BigDecimal scaled = new BigDecimal(num).divide(new BigDecimal(den), places, RoundingMode.HALF_UP);
        return of(scaled);
    }

    BigDecimal toBigDecimal(MathContext mc) {
        return new BigDecimal(num).divide(new BigDecimal(den), mc);
    }

    /** Exact decimal value when the denominator has no prime factors but 2 and 5, else null. */
    BigDecimal terminatingDecimal() {
        BigInteger d = den;
        int twos = d.getLowestSetBit();
        d = d.shiftRight(twos);
        int fives = 0;
        BigInteger five = BigInteger.valueOf(5);
        while (true) {
            BigInteger[] qr = d.divideAndRemainder(five);
            if (qr[1].signum() != 0) break;
            d = qr[0];
            fives++;
        }
        if (!d.equals(BigInteger.ONE)) return null;
        int scale = Math.max(twos, fives);
        // num/den = num * 10^scale / den / 10^scale and den divides 10^scale
        BigInteger unscaled = num.multiply(BigInteger.TEN.pow(scale)).divide(den);
        return new BigDecimal(unscaled, scale).stripTrailingZeros();
    }

    @Override
    public int compareTo(Rational o) {
        return num.multiply(o.den).compareTo(o.num.multiply(den));
    }

    @Override
    public String toString() {
        return isInteger() ? num.toString() : num + "/" + den;
    }
}
