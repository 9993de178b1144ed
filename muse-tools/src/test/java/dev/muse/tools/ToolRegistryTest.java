package dev.muse.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.Cancellation;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ToolRegistryTest {

    /** A tool defined by a lambda, with a real schema. */
    record FnTool(ToolSpec spec, Duration timeout, Body body) implements Tool {
        interface Body {
            String run(JsonNode args, ToolContext ctx) throws Exception;
        }

        @Override
        public String call(JsonNode arguments, ToolContext context) throws Exception {
            return body.run(arguments, context);
        }
    }

    private static final Map<String, Object> WEATHER_SCHEMA = Map.of(
            "type", "object",
            "properties", Map.of(
                    "city", Map.of("type", "string", "minLength", 1),
                    "days", Map.of("type", "integer", "minimum", 1, "maximum", 7),
                    "unit", Map.of("type", "string", "enum", List.of("C", "F")),
                    "stops", Map.of("type", "array", "items", Map.of(
                            "type", "object",
                            "properties", Map.of("name", Map.of("type", "string")),
                            "required", List.of("name")))),
            "required", List.of("city"),
            "additionalProperties", false);

    private final AtomicInteger calls = new AtomicInteger();
    private final FnTool weather = new FnTool(new ToolSpec("weather", "forecast", WEATHER_SCHEMA), Duration.ofSeconds(5),
            (args, ctx) -> {
                calls.incrementAndGet();
                return "sunny in " + args.get("city").asText();
            });
    private final ToolContext ctx = new ToolContext("agent-1", 0, null, null);

    private ToolOutcome run(ToolRegistry r, String name, String json) {
        return r.run(new ToolCall("call-1", name, json), ctx);
    }

    @Test
    void should_run_a_valid_call() {
        ToolOutcome out = run(ToolRegistry.of(List.of(weather)), "weather", "{\"city\":\"Oslo\",\"days\":3}");
        assertThat(out.error()).isFalse();
        assertThat(out.text()).isEqualTo("sunny in Oslo");
    }

    @Test
    void should_name_the_available_tools_for_an_unknown_tool() {
        ToolOutcome out = run(ToolRegistry.of(List.of(weather)), "wether", "{}");
        assertThat(out.error()).isTrue();
        assertThat(out.text()).contains("unknown tool 'wether'").contains("Available tools: weather");
    }

    @Test
    void should_report_malformed_json_without_calling_the_tool() {
        ToolOutcome out = run(ToolRegistry.of(List.of(weather)), "weather", "{\"city\": \"Oslo\"");
        assertThat(out.error()).isTrue();
        assertThat(out.text()).startsWith("arguments for 'weather' are not valid JSON");
        assertThat(run(ToolRegistry.of(List.of(weather)), "weather", "[1,2]").text())
                .contains("must be a JSON object").contains("not array");
        assertThat(calls).hasValue(0);
    }

    @Test
    void should_explain_each_schema_violation_by_argument() {
        ToolRegistry r = ToolRegistry.of(List.of(weather));
        ToolOutcome out = run(r, "weather", "{\"days\":\"three\",\"unit\":\"K\",\"colour\":1,\"stops\":[{\"name\":\"a\"},{}]}");
        assertThat(out.error()).isTrue();
        assertThat(out.text())
                .startsWith("bad arguments for 'weather': ")
                .contains("missing required argument 'city'")
                .contains("argument 'days': string found, integer expected")
                .contains("argument 'unit': does not have a value in the enumeration [\"C\", \"F\"]")
                .contains("unknown argument 'colour' (allowed: ")
                .contains("missing required argument 'stops[1].name'")
                .endsWith("Fix the arguments and call the tool again.");
        assertThat(run(r, "weather", "{\"city\":\"Oslo\",\"days\":9}").text())
                .contains("argument 'days': must have a maximum value of 7");
        assertThat(calls).hasValue(0);
    }

    @Test
    void should_honour_an_explicit_older_dialect() {
        Map<String, Object> draft7 = Map.of(
                "$schema", "http://json-schema.org/draft-07/schema#",
                "type", "object",
                "properties", Map.of("n", Map.of("type", "integer", "exclusiveMinimum", 0)),
                "required", List.of("n"));
        FnTool t = new FnTool(new ToolSpec("count", "", draft7), Duration.ofSeconds(5), (a, c) -> "ok " + a.get("n"));
        ToolRegistry r = ToolRegistry.of(List.of(t));
        assertThat(run(r, "count", "{\"n\": 3}").text()).isEqualTo("ok 3");
        assertThat(run(r, "count", "{\"n\": 0}").text()).contains("argument 'n': must have an exclusive minimum value of 0");
    }

    @Test
    void should_turn_an_exception_into_an_error_result() {
        FnTool broken = new FnTool(new ToolSpec("broken", "", null), Duration.ofSeconds(5), (a, c) -> {
            throw new IllegalStateException("disk is full");
        });
        FnTool npe = new FnTool(new ToolSpec("npe", "", null), Duration.ofSeconds(5), (a, c) -> {
            throw new NullPointerException();
        });
        ToolRegistry r = ToolRegistry.of(List.of(broken, npe));
        assertThat(run(r, "broken", "{}")).satisfies(o -> {
            assertThat(o.error()).isTrue();
            assertThat(o.text()).isEqualTo("tool 'broken' failed: disk is full");
        });
        assertThat(run(r, "npe", "{}").text()).isEqualTo("tool 'npe' failed: internal error (NullPointerException)");
    }

    @Test
    void should_abandon_a_tool_at_its_timeout_and_interrupt_it() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        FnTool slow = new FnTool(new ToolSpec("slow", "", null), Duration.ofMillis(200), (a, c) -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "never";
        });
        long start = System.nanoTime();
        ToolOutcome out = run(ToolRegistry.of(List.of(slow)), "slow", "{}");
        assertThat(out.error()).isTrue();
        assertThat(out.text()).isEqualTo("tool 'slow' timed out after 200 ms and was stopped. Try a smaller request.");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the tool's thread is interrupted").isTrue();
    }

    @Test
    void should_stop_a_running_tool_when_the_run_is_cancelled() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        FnTool slow = new FnTool(new ToolSpec("slow", "", null), Duration.ofSeconds(30), (a, c) -> {
            started.countDown();
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
            return "never";
        });
        Cancellation cancel = new Cancellation();
        ToolContext cctx = new ToolContext("a", 0, cancel, null);
        Thread.ofVirtual().start(() -> {
            try {
                started.await();
                cancel.cancel("user pressed Ctrl-C");
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        long start = System.nanoTime();
        ToolOutcome out = ToolRegistry.of(List.of(slow)).run(new ToolCall("c", "slow", "{}"), cctx);
        assertThat(out.error()).isTrue();
        assertThat(out.text()).isEqualTo("tool 'slow' was cancelled: user pressed Ctrl-C");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void should_not_start_a_tool_when_the_run_is_already_cancelled() {
        Cancellation cancel = new Cancellation();
        cancel.cancel("budget exhausted");
        ToolOutcome out = ToolRegistry.of(List.of(weather))
                .run(new ToolCall("c", "weather", "{\"city\":\"Oslo\"}"), new ToolContext("a", 0, cancel, null));
        assertThat(out.error()).isTrue();
        assertThat(out.text()).contains("not run").contains("budget exhausted");
        assertThat(calls).hasValue(0);
    }

    @Test
    void should_truncate_huge_outputs_and_say_so() {
        FnTool chatty = new FnTool(new ToolSpec("chatty", "", null), Duration.ofSeconds(5),
                (a, c) -> "x".repeat(DefaultToolRegistry.MAX_OUTPUT_CHARS + 5));
        ToolOutcome out = run(ToolRegistry.of(List.of(chatty)), "chatty", "{}");
        assertThat(out.error()).isFalse();
        assertThat(out.text()).endsWith("[output truncated: 5 more characters]");
    }

    @Test
    void should_keep_a_tool_usable_when_its_schema_cannot_be_compiled() {
        FnTool odd = new FnTool(new ToolSpec("odd", "", Map.of("type", 42)), Duration.ofSeconds(5), (a, c) -> "ok");
        assertThat(run(ToolRegistry.of(List.of(odd)), "odd", "{\"x\":1}").text()).isEqualTo("ok");
    }

    @Test
    void should_reject_duplicate_names_and_list_specs() {
        assertThatThrownBy(() -> ToolRegistry.of(List.of(weather, weather)))
                .hasMessageContaining("two tools are named 'weather'");
        ToolRegistry r = ToolRegistry.of(List.of(weather));
        assertThat(r.specs(null)).extracting(ToolSpec::name).containsExactly("weather");
        assertThatThrownBy(() -> r.specs(List.of("nope"))).hasMessageContaining("available tools are weather");
        FnTool other = new FnTool(new ToolSpec("weather", "v2", null), Duration.ofSeconds(1), (a, c) -> "v2");
        assertThat(r.with(List.of(other)).find("weather")).get().extracting(t -> t.spec().description()).isEqualTo("v2");
    }
}
