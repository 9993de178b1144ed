package dev.muse.tools.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.core.ToolCall;
import dev.muse.tools.ToolContext;
import dev.muse.tools.ToolOutcome;
import dev.muse.tools.ToolRegistry;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CalculatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String result(String expr) {
        return Calculator.evaluate(expr).result();
    }

    @Test
    void should_compute_big_powers_exactly() {
        assertThat(result("2^200")).isEqualTo(BigInteger.TWO.pow(200).toString());
        assertThat(result("2^200")).isEqualTo("1606938044258990275541962092341162602522202993782792835301376");
        assertThat(result("(2^64 - 1) * (2^64 + 1)")).isEqualTo(BigInteger.TWO.pow(128).subtract(BigInteger.ONE).toString());
        assertThat(Calculator.evaluate("2^200").decimal()).isEqualTo("1.60693804425899027554196209234E+60");
    }

    @Test
    void should_add_fractions_exactly_and_give_the_decimal() {
        Calculator.Result r = Calculator.evaluate("1/3+1/6");
        assertThat(r.result()).isEqualTo("1/2");
        assertThat(r.decimal()).isEqualTo("0.5");
        assertThat(r.exact()).isTrue();
        assertThat(Calculator.evaluate("1/3").decimal()).isEqualTo("0.333333333333333333333333333333");
        assertThat(result("-7/3")).isEqualTo("-7/3");
        assertThat(result("4/-6")).isEqualTo("-2/3");
    }

    @Test
    void should_treat_decimals_as_exact_fractions() {
        assertThat(result("0.1 + 0.2")).isEqualTo("3/10");
        assertThat(Calculator.evaluate("0.1 + 0.2").decimal()).isEqualTo("0.3");
        assertThat(result("0.1 + 0.2 - 0.3")).isEqualTo("0");
        assertThat(result("2.5e-3")).isEqualTo("1/400");
        assertThat(result("1.5E3")).isEqualTo("1500");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "2 + 3 * 4        | 14",
            "(2 + 3) * 4      | 20",
            "2 ^ 3 ^ 2        | 512",
            "-2 ^ 2           | -4",
            "(-2) ^ 2         | 4",
            "2 ^ -2           | 1/4",
            "10 - 4 - 3       | 3",
            "100 / 10 / 5     | 2",
            "--3              | 3",
            "-7 % 3           | 2",
            "7 % -3           | -2",
            "7.5 % 2          | 3/2",
            "5!               | 120",
            "-3!              | -6",
            "2^3!             | 64",
            "3 × 4 ÷ 6 − 1    | 1",
            "2 ** 10          | 1024",
            "1_000_000 + 1    | 1000001",
            "0^0              | 1",
            "(-1)^1000001     | -1",
            "1^(10^100)       | 1",
    })
    void should_respect_precedence_and_associativity(String expr, String expected) {
        assertThat(result(expr)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "sqrt(144)              | 12",
            "sqrt(9/4)              | 3/2",
            "abs(-5/2)              | 5/2",
            "floor(-7/2)            | -4",
            "ceil(-7/2)             | -3",
            "floor(7/2)             | 3",
            "round(5/2)             | 3",
            "round(-5/2)            | -3",
            "round(3.14159, 2)      | 157/50",
            "round(1234, -2)        | 1200",
            "min(3, 1/2, 2)         | 1/2",
            "MAX(3, 1/2, 2)         | 3",
            "gcd(12, 18, 27)        | 3",
            "lcm(4, 6, 10)          | 60",
            "lcm(0, 5)              | 0",
            "factorial(20)          | 2432902008176640000",
            "sqrt(2)^2 - 2 + 2      | 2",
    })
    void should_evaluate_functions(String expr, String expected) {
        Calculator.Result r = Calculator.evaluate(expr);
        if (expr.startsWith("sqrt(2)")) {
            // an irrational intermediate: the answer is close to 2 and flagged as approximate
            assertThat(r.exact()).isFalse();
            assertThat(new java.math.BigDecimal(r.result()).subtract(java.math.BigDecimal.TWO).abs())
                    .isLessThan(new java.math.BigDecimal("1e-40"));
        } else {
            assertThat(r.result()).isEqualTo(expected);
            assertThat(r.exact()).isTrue();
        }
    }

    @Test
    void should_give_sqrt_of_a_non_square_as_a_flagged_decimal() {
        Calculator.Result r = Calculator.evaluate("sqrt(2)");
        assertThat(r.exact()).isFalse();
        assertThat(r.result()).isEqualTo("1.41421356237309504880168872421");
        assertThat(r.decimal()).isEqualTo(r.result());
    }

    @Test
    void should_report_division_by_zero_with_its_position() {
        assertThatThrownBy(() -> Calculator.evaluate("1 + 2/(3-3)"))
                .hasMessageStartingWith("division by zero at position 6")
                .hasMessageContaining("(3 - 3)")
                .hasMessageContaining("1 + 2/(3-3)\n       ^");
        assertThatThrownBy(() -> Calculator.evaluate("5 % 0")).hasMessageStartingWith("modulo by zero at position 3");
        assertThatThrownBy(() -> Calculator.evaluate("0^-1")).hasMessageStartingWith("division by zero at position 2");
    }

    @Test
    void should_report_syntax_errors_with_position_and_hint() {
        assertThatThrownBy(() -> Calculator.evaluate("1+(2*3"))
                .hasMessageStartingWith("syntax error at position 7: expected ')' to close the '(' at position 3");
        assertThatThrownBy(() -> Calculator.evaluate("2 3")).hasMessageStartingWith("syntax error at position 3")
                .hasMessageContaining("write multiplication as '*'");
        assertThatThrownBy(() -> Calculator.evaluate("1 +")).hasMessageContaining("at position 4");
        assertThatThrownBy(() -> Calculator.evaluate("(1))")).hasMessageContaining("without a matching '('");
        assertThatThrownBy(() -> Calculator.evaluate("pi * 2")).hasMessageStartingWith("unknown name 'pi' at position 1")
                .hasMessageContaining("sqrt, abs");
        assertThatThrownBy(() -> Calculator.evaluate("   ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Calculator.evaluate("2 $ 3")).hasMessageContaining("unexpected '$'");
        assertThatThrownBy(() -> Calculator.evaluate("max(1,)")).hasMessageContaining("position 7");
        assertThatThrownBy(() -> Calculator.evaluate("sqrt(1, 2)")).hasMessageContaining("exactly 1 argument");
    }

    @Test
    void should_refuse_non_integer_powers_and_bad_domains() {
        assertThatThrownBy(() -> Calculator.evaluate("2^(1/2)")).hasMessageContaining("not an integer")
                .hasMessageContaining("sqrt");
        assertThatThrownBy(() -> Calculator.evaluate("sqrt(-4)")).hasMessageContaining("real numbers");
        assertThatThrownBy(() -> Calculator.evaluate("(1/2)!")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> Calculator.evaluate("gcd(1.5, 3)")).hasMessageContaining("whole numbers");
    }

    @Test
    void should_refuse_abuse_quickly() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Calculator.evaluate("2^10000000")).hasMessageContaining("number too large")
                .hasMessageContaining("digits");
        assertThatThrownBy(() -> Calculator.evaluate("2^2^2^2^2^2")).hasMessageContaining("number too large");
        assertThatThrownBy(() -> Calculator.evaluate("100000!")).hasMessageContaining("limited to n <= 20000");
        assertThatThrownBy(() -> Calculator.evaluate("(10^90000) * (10^90000)")).hasMessageContaining("intermediate result");
        assertThatThrownBy(() -> Calculator.evaluate("(".repeat(500) + "1" + ")".repeat(500)))
                .hasMessageContaining("too deeply nested");
        assertThatThrownBy(() -> Calculator.evaluate("-".repeat(500) + "1")).hasMessageContaining("too deeply nested");
        assertThatThrownBy(() -> Calculator.evaluate("1+".repeat(1500) + "1")).hasMessageContaining("limit is 2000");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
        // the longest allowed chain evaluates (deep left-leaning tree) without a stack overflow
        assertThat(result("1+".repeat(999) + "1")).isEqualTo("1000");
        assertThatThrownBy(() -> Calculator.evaluate("1+".repeat(996) + "1/(2-2)"))
                .hasMessageStartingWith("division by zero at position 1994");
        // the largest allowed power still works
        assertThat(result("2^2^2^2^2")).hasSize(19729);
    }

    @Test
    void should_answer_as_json_through_the_registry() throws Exception {
        ToolRegistry registry = ToolRegistry.of(BuiltinTools.byNames(List.of("calculator")));
        ToolContext ctx = new ToolContext("a1", 0, null, null);
        ToolOutcome ok = registry.run(new ToolCall("c1", "calculator", "{\"expression\":\"1/3+1/6\"}"), ctx);
        assertThat(ok.error()).isFalse();
        JsonNode json = JSON.readTree(ok.text());
        assertThat(json.get("expression").asText()).isEqualTo("1/3+1/6");
        assertThat(json.get("result").asText()).isEqualTo("1/2");
        assertThat(json.get("decimal").asText()).isEqualTo("0.5");
        assertThat(json.get("exact").asBoolean()).isTrue();

        ToolOutcome bad = registry.run(new ToolCall("c2", "calculator", "{\"expression\":\"1/0\"}"), ctx);
        assertThat(bad.error()).isTrue();
        assertThat(bad.text()).startsWith("tool 'calculator' failed: division by zero at position 2");

        // the deepest tree the limits allow also evaluates on the registry's virtual thread
        ToolOutcome deep = registry.run(new ToolCall("c4", "calculator",
                "{\"expression\":\"" + "1+".repeat(999) + "1\"}"), ctx);
        assertThat(deep.text()).contains("\"result\":\"1000\"");

        ToolOutcome missing = registry.run(new ToolCall("c3", "calculator", "{\"expr\":\"1\"}"), ctx);
        assertThat(missing.error()).isTrue();
        assertThat(missing.text()).contains("missing required argument 'expression'")
                .contains("unknown argument 'expr' (allowed: expression)");
    }

    @Test
    void should_list_builtins_and_reject_unknown_names() {
        assertThat(BuiltinTools.names()).containsExactly("calculator");
        assertThat(BuiltinTools.byNames(List.of("calculator", " calculator"))).hasSize(1);
        assertThatThrownBy(() -> BuiltinTools.byNames(List.of("calculator", "web_search")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown built-in tool 'web_search': built-in tools are calculator");
    }
}
