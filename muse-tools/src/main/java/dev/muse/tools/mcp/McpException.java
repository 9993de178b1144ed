package dev.muse.tools.mcp;

/** An MCP server could not be started, reached or initialized; the message says which server and why. */
public final class McpException extends RuntimeException {
    McpException(String message, Throwable cause) {
        super(message, cause);
    }
}
