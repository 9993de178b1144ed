package dev.muse.cli;

import dev.muse.tools.Tool;
import dev.muse.tools.mcp.McpServerConfig;
import dev.muse.tools.mcp.McpToolSource;
import java.util.List;

/** Connects an MCP server named in muse.yaml and offers its tools; the connection closes with the command. */
final class McpTools {
    private McpTools() {}

    static List<Tool> connect(String name, MuseConfig.McpEntry entry, List<AutoCloseable> resources) {
        McpServerConfig cfg;
        try {
            cfg = new McpServerConfig(name, entry.command(), entry.env(), entry.url(), entry.headers(),
                    Durations.parse(entry.timeout(), "timeout of MCP server '" + name + "'"));
        } catch (IllegalArgumentException e) {
            throw new UserError("in muse.yaml: " + e.getMessage());
        }
        McpToolSource source = McpToolSource.connect(cfg);
        resources.add(source);
        return source.tools();
    }
}
