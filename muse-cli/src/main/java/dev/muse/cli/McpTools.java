package dev.muse.cli;

import dev.muse.tools.Tool;
import dev.muse.tools.mcp.McpServerConfig;
import dev.muse.tools.mcp.McpToolSource;
import java.util.List;

/** Connects an MCP server named in muse.yaml and offers its tools; the connection closes with the command. */
final class McpTools {
    private McpTools() {}

    /** {@code entry} is the server's muse.yaml entry as read; the MCP module checks its keys and values. */
    static List<Tool> connect(String name, java.util.Map<String, Object> entry, List<AutoCloseable> resources) {
        McpServerConfig cfg;
        try {
            cfg = McpServerConfig.fromMap(name, entry);
        } catch (IllegalArgumentException e) {
            throw new UserError("in muse.yaml: " + e.getMessage());
        }
        McpToolSource source = McpToolSource.connect(cfg);
        resources.add(source);
        return source.tools();
    }
}
