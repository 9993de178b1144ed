package dev.muse.tools.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.core.ToolSpec;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** One tool of an MCP server, seen by the model under a prefixed name and run with {@code tools/call}. */
final class McpTool implements Tool {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final ToolSpec spec;
    private final String remoteName;
    private final Session session;

    McpTool(ToolSpec spec, String remoteName, Session session) {
        this.spec = spec;
        this.remoteName = remoteName;
        this.session = session;
    }

    @Override
    public ToolSpec spec() {
        return spec;
    }

    /** The tool's name on its server (the model sees {@link #name()}, which carries the server prefix). */
    String remoteName() {
        return remoteName;
    }

    @Override
    public Duration timeout() {
        return session.config.timeout();
    }

    @Override
    public String call(JsonNode arguments, ToolContext context) throws McpToolException, InterruptedException {
        if (session.gone.isDone()) throw new McpToolException(session.gone.getNow(""));
        Map<String, Object> args = JSON.convertValue(arguments, MAP);
        CompletableFuture<McpSchema.CallToolResult> call =
                session.client()
                .callTool(McpSchema.CallToolRequest.builder(remoteName).arguments(args).build())
                .toFuture();
        McpSchema.CallToolResult result;
        try {
            // a server that dies mid-call would leave the request pending until its timeout: race the two
            CompletableFuture.anyOf(call, session.gone).get();
            if (!call.isDone()) throw new McpToolException(session.gone.getNow(""));
            result = call.get();
        } catch (InterruptedException e) {
            call.cancel(true); // timed out or cancelled by the registry: drop the pending request
            throw e;
        } catch (ExecutionException e) {
            if (session.gone.isDone() && !call.isDone()) throw new McpToolException(session.gone.getNow(""));
            throw new McpToolException("MCP server '" + session.config.name() + "' did not complete the call: "
                    + McpToolSource.rootMessage(e.getCause()));
        }
        String text = render(result);
        if (Boolean.TRUE.equals(result.isError())) {
            throw new McpToolException(text.isBlank() ? "the MCP server reported an error without a message" : text);
        }
        return text;
    }

    /** Text parts joined by newlines; other parts as short placeholders the model can reason about. */
    static String render(McpSchema.CallToolResult result) {
        List<String> parts = new ArrayList<>();
        if (result.content() != null) {
            for (McpSchema.Content c : result.content()) {
                parts.add(switch (c) {
                    case McpSchema.TextContent t -> t.text();
                    case McpSchema.ImageContent i -> "[image: " + i.mimeType() + ", not shown]";
                    case McpSchema.AudioContent a -> "[audio: " + a.mimeType() + ", not shown]";
                    case McpSchema.ResourceLink l -> "[resource: " + l.uri()
                            + (l.description() == null ? "" : " - " + l.description()) + "]";
                    case McpSchema.EmbeddedResource r -> r.resource() instanceof McpSchema.TextResourceContents t
                            ? t.text()
                            : "[binary resource: " + r.resource().uri() + ", not shown]";
                    default -> "[" + c.type() + " content, not shown]";
                });
            }
        }
        if (parts.isEmpty() && result.structuredContent() != null) {
            return JSON.valueToTree(result.structuredContent()).toString();
        }
        return String.join("\n", parts);
    }

    /** The server said the call failed, or could not answer; the text is what the model should read. */
    static final class McpToolException extends Exception {
        McpToolException(String message) {
            super(message, null, false, false);
        }
    }
}
