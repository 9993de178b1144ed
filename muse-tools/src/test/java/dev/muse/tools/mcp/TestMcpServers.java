package dev.muse.tools.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Real MCP servers built with the SDK's server side, the same tools over stdio (run {@link #main} as a process) and
 * streamable HTTP. Tools: {@code add}, {@code explode} (reports isError), {@code env} (reads a variable),
 * {@code sleep} (waits), and {@code math.mul} (a name that needs sanitising).
 */
public final class TestMcpServers {
    static final McpJsonMapper MAPPER = new JacksonMcpJsonMapper(new ObjectMapper());

    public static void main(String[] args) throws InterruptedException {
        McpServer.sync((McpServerTransportProvider) new StdioServerTransportProvider(MAPPER))
                .serverInfo("muse-test-stdio", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(tools())
                .build();
        // never outlive the test JVM, whatever happens to it
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(0)));
        System.err.println("test server ready"); // stderr: stdout belongs to the protocol
        new CountDownLatch(1).await(); // the transport's threads serve until the client closes stdin
    }

    static McpSyncServer http(McpStreamableServerTransportProvider transport) {
        return McpServer.sync(transport)
                .serverInfo("muse-test-http", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(tools())
                .build();
    }

    static List<SyncToolSpecification> tools() {
        return List.of(
                tool("add", "Adds two numbers", Map.of(
                                "type", "object",
                                "properties", Map.of("a", Map.of("type", "number"), "b", Map.of("type", "number")),
                                "required", List.of("a", "b")),
                        args -> text(new BigDecimal(String.valueOf(args.get("a")))
                                .add(new BigDecimal(String.valueOf(args.get("b")))).toPlainString())),
                tool("explode", "Always fails", Map.of("type", "object", "properties", Map.of()),
                        args -> McpSchema.CallToolResult.builder()
                                .addTextContent("the flux capacitor is broken").isError(true).build()),
                tool("env", "Reads an environment variable", Map.of(
                                "type", "object",
                                "properties", Map.of("name", Map.of("type", "string")),
                                "required", List.of("name")),
                        args -> text(String.valueOf(System.getenv(String.valueOf(args.get("name")))))),
                tool("sleep", "Waits", Map.of(
                                "type", "object",
                                "properties", Map.of("ms", Map.of("type", "integer")),
                                "required", List.of("ms")),
                        args -> {
                            try {
                                Thread.sleep(((Number) args.get("ms")).longValue());
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return text("slept");
                        }),
                tool("math.mul", "Multiplies two numbers and shows two content parts", Map.of(
                                "type", "object",
                                "properties", Map.of("a", Map.of("type", "integer"), "b", Map.of("type", "integer")),
                                "required", List.of("a", "b")),
                        args -> McpSchema.CallToolResult.builder()
                                .addTextContent("product:")
                                .addTextContent(String.valueOf(((Number) args.get("a")).longValue()
                                        * ((Number) args.get("b")).longValue()))
                                .build()));
    }

    private static McpSchema.CallToolResult text(String s) {
        return McpSchema.CallToolResult.builder().addTextContent(s).build();
    }

    private static SyncToolSpecification tool(String name, String description, Map<String, Object> schema,
            java.util.function.Function<Map<String, Object>, McpSchema.CallToolResult> body) {
        return SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder(name, schema).description(description).build())
                .callHandler((exchange, request) -> body.apply(request.arguments()))
                .build();
    }
}
