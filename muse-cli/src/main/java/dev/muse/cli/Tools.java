package dev.muse.cli;

import dev.muse.tools.Tool;
import dev.muse.tools.builtin.BuiltinTools;
import java.util.ArrayList;
import java.util.List;

/** Turns tool names from flags or muse.yaml into tools: built-ins, and every tool of a named MCP server. */
final class Tools {
    /** Provided by the reasoning core itself, which runs sub-agents. */
    static final String SPAWN_AGENT = "spawn_agent";

    private Tools() {}

    static List<Tool> select(List<String> names, MuseConfig config, List<AutoCloseable> resources) {
        List<Tool> out = new ArrayList<>();
        List<String> builtins = new ArrayList<>();
        for (String n : names) {
            if (n.equals(SPAWN_AGENT)) continue;
            if (config.mcpServers().containsKey(n)) {
                out.addAll(McpTools.connect(n, config.mcpServers().get(n), resources));
            } else if (BuiltinTools.names().contains(n)) {
                builtins.add(n);
            } else {
                throw new UserError("unknown tool '" + n + "': built-in tools are " + String.join(", ", BuiltinTools.names())
                        + ", " + SPAWN_AGENT + (config.mcpServers().isEmpty() ? "" : "; MCP servers in muse.yaml: " + String.join(", ", config.mcpServers().keySet())));
            }
        }
        out.addAll(BuiltinTools.byNames(builtins));
        return out;
    }
}
