package dev.muse.tools.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.ToolSpec;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Exact arithmetic for a model: big integers and fractions without rounding, so {@code 2^200} and
 * {@code 1/3 + 1/6} come back exactly. Answers are JSON such as
 * {@code {"expression":"1/3+1/6","result":"1/2","decimal":"0.5","exact":true}}. Errors name the position.
 */
public final class Calculator implements Tool {
    public static final String NAME = "calculator";
    /** Significant digits of the {@code decimal} field when the exact value does not terminate or is too long. */
    static final int DECIMAL_DIGITS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ToolSpec SPEC = new ToolSpec(NAME,
            "Exact calculator for arithmetic on big integers, fractions and decimals (no rounding errors). "
                    + "Operators: + - * / % ^ (integer powers), parentheses, unary minus, n! (factorial). "
                    + "Decimals are exact (0.1 = 1/10); % is floored modulo. Functions: sqrt (exact for perfect "
                    + "squares, else " + Evaluator.SQRT_DIGITS + " significant digits), abs, floor, ceil, "
                    + "round(x) or round(x, places), min, max, gcd, lcm, factorial. "
                    + "Returns JSON with the exact result (integer or fraction like 7/3) and a decimal value.",
            Map.of("type", "object",
                    "properties", Map.of("expression", Map.of(
                            "type", "string",
                            "minLength", 1,
                            "maxLength", Expression.MAX_LENGTH,
                            "description", "the arithmetic expression, e.g. (2^64 - 1) / 3 + 1/7")),
                    "required", List.of("expression"),
                    "additionalProperties", false));

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public Duration timeout() {
        return Duration.ofSeconds(10);
    }

    @Override
    public String call(JsonNode arguments, ToolContext context) {
        String expression = arguments.path("expression").asText("");
        return JSON.valueToTree(evaluate(expression)).toString();
    }

    /** Evaluates {@code expression}; throws an exception whose message explains a mistake and where it is. */
    public static Result evaluate(String expression) {
        String text = expression.strip();
        Expression tree = Expression.parse(text);
        Evaluator.Value v = new Evaluator(text).eval(tree);
        return v.exact()
                ? new Result(text, v.r().toString(), decimal(v.r()), true)
                : new Result(text, approx(v.r()), approx(v.r()), false);
    }

    /**
     * One evaluation. {@code result} is exact ("-7/3", "1267650600228229401496703205376") unless {@code exact} is
     * false (a square root of a non-square was taken); {@code decimal} is the value in decimal notation, exact when
     * it terminates and is short, else rounded to 30 significant digits.
     */
    public record Result(String expression, String result, String decimal, boolean exact) {
        public ObjectNode toJson() {
            return JSON.valueToTree(this);
        }
    }

    private static String decimal(Rational r) {
        BigDecimal exact = r.terminatingDecimal();
        if (exact != null) {
            String plain = exact.toPlainString();
            if (plain.length() <= 60) return plain;
        }
        return format(r.toBigDecimal(new MathContext(DECIMAL_DIGITS, RoundingMode.HALF_EVEN)));
    }

    private static String approx(Rational r) {
        return format(r.toBigDecimal(new MathContext(DECIMAL_DIGITS, RoundingMode.HALF_EVEN)));
    }

    /** Plain notation for everyday magnitudes, scientific beyond them. */
    private static String format(BigDecimal d) {
        d = d.stripTrailingZeros();
        if (d.signum() == 0) return "0";
        int exponent = d.precision() - d.scale() - 1;
        return exponent >= -6 && exponent < 30 ? d.toPlainString() : d.toString();
    }
}
