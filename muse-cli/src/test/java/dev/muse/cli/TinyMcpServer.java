package dev.muse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** A real MCP server over stdio with one tool, {@code multiply}, launched by the CLI as muse.yaml tells it. */
public final class TinyMcpServer {
    public static void main(String[] args) throws InterruptedException {
        var schema = Map.<String, Object>of("type", "object",
                "properties", Map.of("a", Map.of("type", "integer"), "b", Map.of("type", "integer")),
                "required", List.of("a", "b"));
        var multiply = SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder("multiply", schema).description("Multiplies two integers").build())
                .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                        .addTextContent(String.valueOf(((Number) request.arguments().get("a")).longValue()
                                * ((Number) request.arguments().get("b")).longValue()))
                        .build())
                .build();
        McpServer.sync((McpServerTransportProvider) new StdioServerTransportProvider(new JacksonMcpJsonMapper(new ObjectMapper())))
                .serverInfo("tiny", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(List.of(multiply))
                .build();
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(0)));
        new CountDownLatch(1).await();
    }

    private TinyMcpServer() {}
}
