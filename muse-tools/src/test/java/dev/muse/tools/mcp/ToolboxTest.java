package dev.muse.tools.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.tools.ToolContext;
import dev.muse.tools.Toolbox;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolboxTest {
    private static final ToolContext CTX = new ToolContext("agent", 0, null, null);

    @Test
    void should_combine_builtins_and_mcp_tools_in_one_registry_and_stop_servers_on_close() throws Exception {
        long before = ProcessHandle.current().children().count();
        try (Toolbox box = Toolbox.open(List.of("calculator"),
                List.of(McpServerConfig.stdio("srv", McpStdioTest.serverCommand())))) {
            assertThat(box.registry().specs(null)).extracting(ToolSpec::name)
                    .startsWith("calculator", "srv__add");
            assertThat(box.registry().run(new ToolCall("1", "calculator", "{\"expression\":\"2^10\"}"), CTX).text())
                    .contains("\"result\":\"1024\"");
            assertThat(box.registry().run(new ToolCall("2", "srv__add", "{\"a\":1,\"b\":2}"), CTX).text()).isEqualTo("3");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.current().children().count() > before && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(ProcessHandle.current().children().count()).isEqualTo(before);
    }

    @Test
    void should_reject_an_unknown_builtin_before_starting_any_server() {
        long before = ProcessHandle.current().children().count();
        assertThatThrownBy(() -> Toolbox.open(List.of("calculator", "spawn_agent"),
                List.of(McpServerConfig.stdio("srv", McpStdioTest.serverCommand()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown built-in tool 'spawn_agent'")
                .hasMessageContaining("the reasoning module registers it");
        assertThat(ProcessHandle.current().children().count()).isEqualTo(before);
    }

    @Test
    void should_close_servers_already_started_when_a_later_one_fails() throws Exception {
        long before = ProcessHandle.current().children().count();
        assertThatThrownBy(() -> Toolbox.open(List.of(), List.of(
                McpServerConfig.stdio("good", McpStdioTest.serverCommand()),
                McpServerConfig.stdio("bad", List.of("no-such-mcp-server-xyz")))))
                .isInstanceOf(McpException.class)
                .hasMessageContaining("'no-such-mcp-server-xyz' was not found");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.current().children().count() > before && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(ProcessHandle.current().children().count()).isEqualTo(before);
    }

    @Test
    void should_validate_server_configs_with_messages_that_name_the_fix() {
        assertThatThrownBy(() -> McpServerConfig.stdio("my server", List.of("x")))
                .hasMessageContaining("1-32 letters, digits, '_' or '-'");
        assertThatThrownBy(() -> McpServerConfig.http("web", "ftp://example"))
                .hasMessageContaining("must be an http:// or https:// URL");
        assertThatThrownBy(() -> new McpServerConfig("both", List.of("x"), null, "http://127.0.0.1/mcp", null, null))
                .hasMessageContaining("set exactly one of 'command'");
        assertThatThrownBy(() -> new McpServerConfig("neither", null, null, null, null, null))
                .hasMessageContaining("set exactly one of 'command'");
        assertThatThrownBy(() -> new McpServerConfig("h", List.of("x"), null, null,
                java.util.Map.of("Authorization", "x"), null)).hasMessageContaining("'headers' only apply to an HTTP server");
        assertThatThrownBy(() -> new McpServerConfig("t", List.of("x"), null, null, null, java.time.Duration.ZERO))
                .hasMessageContaining("'timeout' must be positive");
        assertThat(McpServerConfig.http("web", "http://127.0.0.1:3000/mcp").timeout())
                .isEqualTo(McpServerConfig.DEFAULT_TIMEOUT);
    }

    @Test
    void should_read_a_config_file_entry() {
        McpServerConfig files = McpServerConfig.fromMap("files", java.util.Map.of(
                "command", List.of("npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"),
                "env", java.util.Map.of("LOG_LEVEL", "warn"),
                "timeout", "45s"));
        assertThat(files.command()).containsExactly("npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp");
        assertThat(files.env()).containsEntry("LOG_LEVEL", "warn");
        assertThat(files.timeout()).isEqualTo(java.time.Duration.ofSeconds(45));
        McpServerConfig web = McpServerConfig.fromMap("web", java.util.Map.of(
                "url", "https://mcp.example.com/mcp", "headers", java.util.Map.of("Authorization", "Bearer x"),
                "timeout", 2));
        assertThat(web.isStdio()).isFalse();
        assertThat(web.headers()).containsEntry("Authorization", "Bearer x");
        assertThat(web.timeout()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(McpServerConfig.fromMap("s", java.util.Map.of("command", "uvx mcp-server-time")).command())
                .containsExactly("uvx", "mcp-server-time");
        assertThatThrownBy(() -> McpServerConfig.fromMap("s", java.util.Map.of("comand", List.of("x"))))
                .hasMessage("MCP server 's': unknown key 'comand'; the keys are command, env, url, headers, timeout");
        assertThatThrownBy(() -> McpServerConfig.fromMap("s", java.util.Map.of("command", "x", "timeout", "soon")))
                .hasMessageContaining("'timeout' must look like 30s, 2m, 500ms or PT30S, got 'soon'");
    }

    @Test
    void should_keep_sanitised_names_within_64_characters_and_distinct() {
        java.util.Set<String> used = new java.util.HashSet<>();
        String a = McpToolSource.uniqueName("srv", "read file", used);
        String b = McpToolSource.uniqueName("srv", "read.file", used);
        String longOne = McpToolSource.uniqueName("srv", "x".repeat(100), used);
        String longTwo = McpToolSource.uniqueName("srv", "x".repeat(99) + "y", used);
        assertThat(a).isEqualTo("srv__read_file");
        assertThat(b).isEqualTo("srv__read_file_2");
        assertThat(List.of(longOne, longTwo)).allSatisfy(n -> assertThat(n).matches("[A-Za-z0-9_-]{1,64}"));
        assertThat(longOne).isNotEqualTo(longTwo);
    }
}
