package dev.muse.tools;

import dev.muse.tools.builtin.BuiltinTools;
import dev.muse.tools.mcp.McpServerConfig;
import dev.muse.tools.mcp.McpToolSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The tools of one CLI or server session: the named built-ins plus every tool of the configured MCP servers, in one
 * {@link ToolRegistry}. Closing it ends the MCP sessions and stops launched servers. Tools that need the agent loop
 * ({@code spawn_agent}) are added by the reasoning module with {@link ToolRegistry#with}.
 */
public final class Toolbox implements AutoCloseable {
    private final ToolRegistry registry;
    private final List<McpToolSource> sources;

    private Toolbox(ToolRegistry registry, List<McpToolSource> sources) {
        this.registry = registry;
        this.sources = sources;
    }

    /**
     * Builds the registry; connects to all MCP servers or to none.
     *
     * @throws IllegalArgumentException for an unknown built-in name or a tool name shared by two sources
     * @throws dev.muse.tools.mcp.McpException when an MCP server cannot be started, reached or initialized
     */
    public static Toolbox open(Collection<String> builtins, Collection<McpServerConfig> mcpServers) {
        List<Tool> tools = new ArrayList<>(BuiltinTools.byNames(builtins));
        List<McpToolSource> sources = McpToolSource.connectAll(mcpServers);
        try {
            sources.forEach(s -> tools.addAll(s.tools()));
            return new Toolbox(ToolRegistry.of(tools), sources);
        } catch (RuntimeException e) {
            sources.forEach(McpToolSource::close);
            throw e;
        }
    }

    public ToolRegistry registry() {
        return registry;
    }

    /** The connected MCP servers, e.g. to show which tools each offers. */
    public List<McpToolSource> mcpSources() {
        return sources;
    }

    @Override
    public void close() {
        sources.forEach(McpToolSource::close);
    }
}
