package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.core.ToolCall;
import dev.muse.testkit.Reply;
import dev.muse.testkit.StandInOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An MCP server named in muse.yaml, enabled with --tools, called by the model through the real tool loop. */
class McpToolsIT {
    @TempDir
    Path dir;

    @Test
    void should_offer_an_mcp_servers_tools_to_the_model_and_return_their_results() throws Exception {
        // the model asks for the tool first, then answers with what the tool returned
        try (var server = StandInOpenAiServer.start(r -> r.messages().stream().anyMatch(m -> m.role().equals("tool"))
                ? Reply.text("The product is " + r.messages().getLast().text() + ".\nFinal answer: " + r.messages().getLast().text())
                : Reply.toolCalls(new ToolCall("call-1", r.toolNames().getFirst(), "{\"a\": 123456789, \"b\": 987654321}")))) {
            String java = System.getProperty("muse.java");
            String cp = System.getProperty("java.class.path");
            Files.writeString(dir.resolve("muse.yaml"), """
                    mcp_servers:
                      tiny:
                        command: [%s, -cp, %s, dev.muse.cli.TinyMcpServer]
                    """.formatted(new ObjectMapper().writeValueAsString(java), new ObjectMapper().writeValueAsString(cp)));

            var r = MuseProcess.run(dir, Map.of(), "ask", "--tools", "tiny", "--mode", "thinking", "--base-url", server.baseUrl(),
                    "--model", "m", "--json", "What is 123456789 * 987654321?");

            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(server.requests().getFirst().toolNames()).hasSize(1).allMatch(n -> n.contains("multiply"));
            assertThat(new ObjectMapper().readTree(r.stdout()).get("answer").asText()).contains("121932631112635269");
        }
    }
}
