package dev.muse.tools.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import dev.muse.tools.ToolOutcome;
import dev.muse.tools.ToolRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End to end against a real MCP server process (the SDK's stdio server) launched with this test's classpath. */
class McpStdioTest {
    private static McpToolSource source;
    private static ToolRegistry registry;
    private static final ToolContext CTX = new ToolContext("agent", 0, null, null);

    static List<String> serverCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", TestMcpServers.class.getName());
    }

    @BeforeAll
    static void start() {
        source = McpToolSource.connect(new McpServerConfig("test", serverCommand(), Map.of("MUSE_TEST_SECRET", "s3cret"),
                null, null, Duration.ofSeconds(20)));
        registry = ToolRegistry.of(source.tools());
    }

    @AfterAll
    static void stop() {
        if (source != null) source.close();
    }

    private static ToolOutcome run(String name, String json) {
        return registry.run(new ToolCall("c", name, json), CTX);
    }

    @Test
    void should_list_the_servers_tools_with_prefixed_sanitised_names_and_schemas() {
        assertThat(source.serverInfo()).isEqualTo("muse-test-stdio 1.0");
        assertThat(source.tools()).extracting(Tool::name)
                .containsExactly("test__add", "test__explode", "test__env", "test__sleep", "test__math_mul");
        ToolSpec add = source.tools().getFirst().spec();
        assertThat(add.description()).isEqualTo("Adds two numbers");
        assertThat(add.parametersSchema()).containsEntry("type", "object").containsEntry("required", List.of("a", "b"));
        assertThat(source.tools().getFirst().timeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void should_call_a_tool_and_return_its_text() {
        ToolOutcome out = run("test__add", "{\"a\": 2.5, \"b\": 40}");
        assertThat(out.error()).isFalse();
        assertThat(out.text()).isEqualTo("42.5");
        ToolOutcome mul = run("test__math_mul", "{\"a\": 6, \"b\": 7}");
        assertThat(mul.text()).isEqualTo("product:\n42");
    }

    @Test
    void should_report_a_tool_error_from_the_server_to_the_model() {
        ToolOutcome out = run("test__explode", "{}");
        assertThat(out.error()).isTrue();
        assertThat(out.text()).isEqualTo("tool 'test__explode' failed: the flux capacitor is broken");
    }

    @Test
    void should_check_arguments_against_the_servers_schema_before_calling() {
        ToolOutcome out = run("test__add", "{\"a\": \"two\"}");
        assertThat(out.error()).isTrue();
        assertThat(out.text()).contains("missing required argument 'b'").contains("argument 'a': string found, number expected");
    }

    @Test
    void should_pass_configured_environment_variables_but_not_the_whole_environment() {
        assertThat(run("test__env", "{\"name\": \"MUSE_TEST_SECRET\"}").text()).isEqualTo("s3cret");
        assertThat(run("test__env", "{\"name\": \"PATH\"}").text()).isNotEqualTo("null");
        // set for this JVM by the module's surefire config: a launched server must not inherit it
        assertThat(System.getenv("MUSE_TEST_PARENT_ONLY")).isEqualTo("leak");
        assertThat(run("test__env", "{\"name\": \"MUSE_TEST_PARENT_ONLY\"}").text()).isEqualTo("null");
    }

    @Test
    void should_run_parallel_calls_on_one_session() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            int n = i;
            threads.add(Thread.ofVirtual().start(() ->
                    results.add(run("test__add", "{\"a\": " + n + ", \"b\": 100}").text())));
        }
        for (Thread t : threads) t.join();
        assertThat(results).containsExactlyInAnyOrder("100", "101", "102", "103", "104", "105", "106", "107");
    }

    @Test
    void should_time_out_a_slow_call_and_keep_the_session_usable() {
        try (McpToolSource quick = McpToolSource.connect(new McpServerConfig("quick", serverCommand(), null, null, null,
                Duration.ofSeconds(20)))) {
            Tool sleep = quick.tools().stream().filter(t -> t.name().equals("quick__sleep")).findFirst().orElseThrow();
            Tool impatient = new Tool() {
                @Override
                public ToolSpec spec() {
                    return sleep.spec();
                }

                @Override
                public String call(com.fasterxml.jackson.databind.JsonNode a, ToolContext c) throws Exception {
                    return sleep.call(a, c);
                }

                @Override
                public Duration timeout() {
                    return Duration.ofMillis(300);
                }
            };
            ToolRegistry r = ToolRegistry.of(List.of(impatient)).with(quick.tools().stream()
                    .filter(t -> t.name().equals("quick__add")).toList());
            ToolOutcome out = r.run(new ToolCall("c", "quick__sleep", "{\"ms\": 5000}"), CTX);
            assertThat(out.text()).isEqualTo("tool 'quick__sleep' timed out after 300 ms and was stopped. Try a smaller request.");
            assertThat(r.run(new ToolCall("c", "quick__add", "{\"a\": 1, \"b\": 1}"), CTX).text()).isEqualTo("2");
        }
    }

    @Test
    void should_abandon_a_call_when_the_run_is_cancelled_and_keep_the_session_usable() {
        dev.muse.core.Cancellation cancel = new dev.muse.core.Cancellation();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            cancel.cancel("user pressed Ctrl-C");
        });
        long start = System.nanoTime();
        ToolOutcome out = registry.run(new ToolCall("c", "test__sleep", "{\"ms\": 8000}"),
                new ToolContext("agent", 0, cancel, null));
        assertThat(out.text()).isEqualTo("tool 'test__sleep' was cancelled: user pressed Ctrl-C");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(run("test__add", "{\"a\": 1, \"b\": 2}").text()).isEqualTo("3");
    }

    @Test
    void should_stop_the_server_process_on_close() throws Exception {
        long before = ProcessHandle.current().children().count();
        McpToolSource s = McpToolSource.connect(McpServerConfig.stdio("short", serverCommand()));
        assertThat(ProcessHandle.current().children().count()).isEqualTo(before + 1);
        s.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcessHandle.current().children().count() > before && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(ProcessHandle.current().children().count()).isEqualTo(before);
        ToolOutcome after = ToolRegistry.of(s.tools()).run(new ToolCall("c", "short__add", "{\"a\":1,\"b\":2}"), CTX);
        assertThat(after.error()).isTrue();
        assertThat(after.text()).isEqualTo("tool 'short__add' failed: MCP server 'short' is disconnected (its session was closed)");
    }

    @Test
    void should_fail_calls_quickly_when_the_server_process_dies() throws Exception {
        java.util.Set<Long> before = childPids();
        try (McpToolSource s = McpToolSource.connect(McpServerConfig.stdio("doomed", serverCommand()))) {
            java.util.Set<Long> started = childPids();
            started.removeAll(before);
            assertThat(started).hasSize(1);
            ProcessHandle server = ProcessHandle.of(started.iterator().next()).orElseThrow();
            server.destroyForcibly();
            server.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            long start = System.nanoTime();
            ToolOutcome out = ToolRegistry.of(s.tools()).run(new ToolCall("c", "doomed__add", "{\"a\":1,\"b\":2}"), CTX);
            assertThat(out.error()).isTrue();
            assertThat(out.text()).startsWith("tool 'doomed__add' failed: MCP server 'doomed'");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    private static java.util.Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }

    @Test
    void should_say_clearly_when_the_command_does_not_exist() {
        assertThatThrownBy(() -> McpToolSource.connect(McpServerConfig.stdio("ghost", List.of("no-such-mcp-server-xyz"))))
                .isInstanceOf(McpException.class)
                .hasMessage("MCP server 'ghost': the command 'no-such-mcp-server-xyz' was not found on the PATH;"
                        + " install it or give its full path in 'command'");
        assertThatThrownBy(() -> McpToolSource.connect(McpServerConfig.stdio("ghost", List.of("/nope/server"))))
                .hasMessage("MCP server 'ghost': the command '/nope/server' does not exist or is not executable");
    }

    @Test
    void should_show_the_servers_stderr_when_it_exits_during_startup() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        McpServerConfig crashing = new McpServerConfig("crash", List.of(java, "-cp", "/nonexistent", "NoSuchMain"),
                null, null, null, Duration.ofSeconds(10));
        long start = System.nanoTime();
        assertThatThrownBy(() -> McpToolSource.connect(crashing))
                .isInstanceOf(McpException.class)
                .hasMessageStartingWith("MCP server 'crash' (" + java)
                .hasMessageContaining("exited during startup")
                .hasMessageContaining("its stderr ended with:")
                .hasMessageContaining("NoSuchMain");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("reported at once, not at the timeout")
                .isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void should_time_out_when_the_program_does_not_speak_mcp() {
        McpServerConfig silent = new McpServerConfig("silent", List.of("sleep", "30"), null, null, null,
                Duration.ofMillis(1500));
        long start = System.nanoTime();
        assertThatThrownBy(() -> McpToolSource.connect(silent))
                .isInstanceOf(McpException.class)
                .hasMessageContaining("MCP server 'silent' (sleep 30) did not complete the MCP handshake within 1500 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
