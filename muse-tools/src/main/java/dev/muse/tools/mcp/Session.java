package dev.muse.tools.mcp;

import io.modelcontextprotocol.client.McpAsyncClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One live connection: the SDK client plus what the SDK does not track for us, namely whether we closed it, whether
 * a launched server has exited (its pending requests would otherwise wait for their timeout), and the last lines
 * the server wrote to stderr, which usually say why it died.
 */
final class Session {
    private static final int STDERR_LINES = 20;

    final McpServerConfig config;
    private McpAsyncClient client;
    /** Completes when the session can no longer answer: closed by us, or the server process exited. */
    final CompletableFuture<String> gone = new CompletableFuture<>();
    private final Deque<String> stderr = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread hook;
    /** Set once the handshake is done; before that an exit is reported by connect() itself. */
    volatile boolean ready;

    Session(McpServerConfig config) {
        this.config = config;
    }

    void attach(McpAsyncClient client) {
        this.client = client;
    }

    /** A launched server must not outlive Muse when the JVM exits without closing the session (Ctrl-C). */
    void stopOnExit() {
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            closed.set(true);
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // exiting anyway
            }
        });
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            this.hook = hook;
        } catch (IllegalStateException alreadyExiting) {
            // the JVM is shutting down: nothing to protect
        }
    }

    McpAsyncClient client() {
        return client;
    }

    void stderrLine(String line) {
        synchronized (stderr) {
            stderr.addLast(line);
            if (stderr.size() > STDERR_LINES) stderr.removeFirst();
        }
    }

    /** "\nits stderr ended with: ..." or empty. */
    String stderrTail() {
        synchronized (stderr) {
            return stderr.isEmpty() ? "" : "\nits stderr ended with:\n  " + String.join("\n  ", stderr);
        }
    }

    void close() {
        gone.complete("MCP server '" + config.name() + "' is disconnected (its session was closed)");
        if (closed.getAndSet(true)) return;
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyExiting) {
                // the hook is running or about to: it closes the client
            }
        }
        try {
            client.closeGracefully().block(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // fall through to the hard close: the session is ending either way
        }
        try {
            client.close();
        } catch (RuntimeException ignored) {
            // already closed
        }
    }
}
