package dev.muse.tools.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.core.ToolSpec;
import dev.muse.tools.Tool;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.File;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The tools of one MCP server, connected with the official MCP Java SDK over stdio (a launched command) or
 * streamable HTTP (a URL). Connecting initializes the session and lists the tools; each becomes a {@link Tool}
 * named {@code <server>__<tool>} (sanitised to the 1-64 {@code [A-Za-z0-9_-]} names the model APIs accept) whose
 * call is a {@code tools/call}. A server's {@code isError} result becomes a tool failure the registry reports to the
 * model. Close it to end the session and stop a launched server.
 */
public final class McpToolSource implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(McpToolSource.class.getName());
    private static final McpJsonMapper MAPPER = new JacksonMcpJsonMapper(new ObjectMapper());
    static final String SEPARATOR = "__";
    /**
     * The SDK logs every process start and stop at INFO, which would clutter the CLI's stderr. Unless the user
     * configured its level, show only its warnings. (A static reference: JUL forgets levels of collected loggers.)
     */
    private static final java.util.logging.Logger SDK_LOG = java.util.logging.Logger.getLogger("io.modelcontextprotocol");

    static {
        if (SDK_LOG.getLevel() == null) SDK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final Session session;
    private final List<Tool> tools;
    private final String serverInfo;

    private McpToolSource(Session session, List<Tool> tools, String serverInfo) {
        this.session = session;
        this.tools = tools;
        this.serverInfo = serverInfo;
    }

    /**
     * Starts or reaches the server, runs the MCP handshake and lists its tools.
     *
     * @throws McpException naming the server and saying what failed (command not found, process exited, URL
     *     unreachable, HTTP error, no answer within the timeout)
     */
    public static McpToolSource connect(McpServerConfig config) {
        Session session = new Session(config);
        McpClientTransport transport = config.isStdio() ? stdio(session) : http(config);
        McpAsyncClient client = McpClient.async(transport)
                .requestTimeout(config.timeout())
                .initializationTimeout(config.timeout())
                .clientInfo(McpSchema.Implementation.builder("muse", "0.1.0").title("Muse").build())
                .build();
        session.attach(client);
        if (config.isStdio()) session.stopOnExit();
        Duration wait = config.timeout().plusSeconds(1); // the SDK's own timeouts fire first, with its message
        try {
            McpSchema.InitializeResult init = initialize(session, wait);
            List<Tool> tools = listTools(session, init, wait);
            session.ready = true;
            String info = init.serverInfo() == null ? "?" : init.serverInfo().name() + " " + init.serverInfo().version();
            LOG.log(System.Logger.Level.DEBUG, "MCP server ''{0}'' ({1}): {2} tools", config.name(), info, tools.size());
            return new McpToolSource(session, tools, info);
        } catch (RuntimeException e) {
            session.close();
            throw failure(session, e);
        }
    }

    /** The handshake, raced against the server process exiting so a crash is reported at once. */
    private static McpSchema.InitializeResult initialize(Session session, Duration wait) {
        CompletableFuture<McpSchema.InitializeResult> init = session.client().initialize().toFuture();
        try {
            CompletableFuture.anyOf(init, session.gone).get(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (!init.isDone()) {
                throw new McpException("MCP server '" + session.config.name() + "' (" + session.config.location()
                        + ") exited during startup" + session.stderrTail(), null);
            }
            return init.join();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(new TimeoutException("initialize"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpException("MCP server '" + session.config.name() + "': connecting was interrupted", e);
        } catch (ExecutionException | CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Connects to every server, or to none: when one fails, those already connected are closed again. */
    public static List<McpToolSource> connectAll(Collection<McpServerConfig> configs) {
        List<McpToolSource> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try {
            for (McpServerConfig c : configs) {
                if (!names.add(c.name())) {
                    throw new IllegalArgumentException("two MCP servers are named '" + c.name() + "': names must be unique");
                }
                out.add(connect(c));
            }
            return List.copyOf(out);
        } catch (RuntimeException e) {
            out.forEach(McpToolSource::close);
            throw e;
        }
    }

    public McpServerConfig config() {
        return session.config;
    }

    /** The server's own name and version from the handshake. */
    public String serverInfo() {
        return serverInfo;
    }

    /** The server's tools as Muse tools, in the server's order. */
    public List<Tool> tools() {
        return tools;
    }

    /** Ends the session; a launched server process is stopped. Calls made after this fail with a clear message. */
    @Override
    public void close() {
        session.close();
    }

    private static McpClientTransport stdio(Session session) {
        McpServerConfig config = session.config;
        String program = config.command().getFirst();
        checkProgram(config, program);
        ServerParameters params = ServerParameters.builder(program)
                .args(config.command().subList(1, config.command().size()))
                .env(config.env()) // on top of the SDK's minimal inherited set (HOME, PATH, USER, ...)
                .build();
        StdioClientTransport transport = new StdioClientTransport(params, MAPPER) {
            @Override
            public Mono<Void> connect(
                    Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
                return super.connect(handler).doOnSuccess(started -> watchExit(session, this));
            }

            @Override
            protected ProcessBuilder getProcessBuilder() {
                // ProcessBuilder copies our whole environment (API keys included); a server gets only what
                // ServerParameters lists, as the MCP spec recommends
                ProcessBuilder pb = super.getProcessBuilder();
                pb.environment().clear();
                return pb;
            }
        };
        transport.setStdErrorHandler(line -> {
            LOG.log(System.Logger.Level.DEBUG, "[{0}] {1}", config.name(), line);
            session.stderrLine(line);
        });
        return transport;
    }

    /** A launched server that exits fails its pending calls at once instead of at their timeout. */
    private static void watchExit(Session session, StdioClientTransport transport) {
        Thread.ofVirtual().name("mcp-exit-" + session.config.name()).start(() -> {
            try {
                transport.awaitForExit();
            } catch (RuntimeException e) {
                return; // interrupted or never started: nothing to watch
            }
            try {
                Thread.sleep(100); // let the stderr reader take the last lines, which say why it exited
            } catch (InterruptedException e) {
                return;
            }
            if (session.gone.complete("MCP server '" + session.config.name() + "' exited" + session.stderrTail())
                    && session.ready) {
                LOG.log(System.Logger.Level.WARNING, "MCP server ''{0}'' exited", session.config.name());
            }
        });
    }

    /** Says "not found" before the SDK turns it into a generic start failure. */
    private static void checkProgram(McpServerConfig config, String program) {
        String where = "MCP server '" + config.name() + "': ";
        if (program.contains(File.separator)) {
            if (!Files.isExecutable(Path.of(program))) {
                throw new McpException(where + "the command '" + program + "' does not exist or is not executable", null);
            }
            return;
        }
        String path = System.getenv("PATH");
        if (path == null) return;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return;
        }
        throw new McpException(where + "the command '" + program + "' was not found on the PATH; install it or give"
                + " its full path in 'command'", null);
    }

    private static McpClientTransport http(McpServerConfig config) {
        URI u = URI.create(config.url());
        String base = u.getScheme() + "://" + u.getRawAuthority();
        String endpoint = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        Map<String, String> headers = config.headers();
        return HttpClientStreamableHttpTransport.builder(base)
                .endpoint(endpoint)
                .jsonMapper(MAPPER)
                .connectTimeout(config.timeout())
                .addHttpRequestCustomizer((builder, method, uri, body, context) -> headers.forEach(builder::header))
                .build();
    }

    private static List<Tool> listTools(Session session, McpSchema.InitializeResult init, Duration wait) {
        McpServerConfig config = session.config;
        if (init.capabilities() == null || init.capabilities().tools() == null) {
            LOG.log(System.Logger.Level.WARNING, "MCP server ''{0}'' offers no tools", config.name());
            return List.of();
        }
        List<McpSchema.Tool> remote = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            McpSchema.ListToolsResult page = (cursor == null
                    ? session.client().listTools() : session.client().listTools(cursor)).block(wait);
            if (page == null) break;
            if (page.tools() != null) remote.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null && ++pages < 100); // a server that pages forever must not hang us
        List<Tool> out = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (McpSchema.Tool t : remote) {
            String name = uniqueName(config.name(), t.name(), used);
            String description = t.description() != null ? t.description() : t.title() != null ? t.title() : "";
            out.add(new McpTool(new ToolSpec(name, description, schema(t.inputSchema())), t.name(), session));
        }
        return List.copyOf(out);
    }

    /** {@code server__tool} within 64 {@code [A-Za-z0-9_-]} characters, distinct from the names already used. */
    static String uniqueName(String server, String tool, Set<String> used) {
        String base = server + SEPARATOR + (tool == null ? "" : tool).replaceAll("[^A-Za-z0-9_-]", "_");
        String name = fit(base, "");
        for (int k = 2; !used.add(name); k++) name = fit(base, "_" + k);
        return name;
    }

    /** Too long: keep the start and add a hash of the whole, so two long names stay apart. */
    private static String fit(String base, String suffix) {
        if (base.length() + suffix.length() <= 64) return base + suffix;
        String hash = Integer.toHexString(base.hashCode());
        return base.substring(0, 64 - suffix.length() - hash.length() - 1) + "_" + hash + suffix;
    }

    private static Map<String, Object> schema(Map<String, Object> input) {
        Map<String, Object> s = new LinkedHashMap<>(input == null ? Map.of() : input);
        s.putIfAbsent("type", "object"); // the model APIs insist on an object schema
        if ("object".equals(s.get("type"))) s.putIfAbsent("properties", Map.of());
        return s;
    }

    private static McpException failure(Session session, RuntimeException e) {
        if (e instanceof McpException m) return m;
        McpServerConfig config = session.config;
        Throwable root = McpError.findRootCause(e);
        String where = "MCP server '" + config.name() + "' (" + config.location() + ")";
        String why;
        McpHttpClientTransportAuthorizationException denied = find(e, McpHttpClientTransportAuthorizationException.class);
        if (timedOut(e)) {
            why = "did not complete the MCP handshake within " + human(config.timeout());
        } else if (denied != null) {
            int status = denied.getResponseInfo() == null ? 0 : denied.getResponseInfo().statusCode();
            why = "refused the connection with HTTP " + status + " (not authorized); check the 'headers' of this"
                    + " server, e.g. Authorization: Bearer <token>";
        } else if (!config.isStdio() && (find(e, ConnectException.class) != null
                || find(e, UnresolvedAddressException.class) != null
                || find(e, HttpConnectTimeoutException.class) != null)) {
            Throwable cause = find(e, UnresolvedAddressException.class) != null
                    ? find(e, UnresolvedAddressException.class) : find(e, ConnectException.class);
            why = "cannot be reached (" + (cause == null ? "connect timed out" : describe(cause))
                    + "); check the URL and that the server is running";
        } else {
            why = config.isStdio() ? "failed to start: " + describe(root) : "refused the connection: " + describe(root);
        }
        return new McpException(where + " " + why + session.stderrTail(), e);
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException
                    || (t instanceof HttpTimeoutException && !(t instanceof HttpConnectTimeoutException))) {
                return true;
            }
            if (t.getMessage() != null && t.getMessage().startsWith("Timeout on blocking read")) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    static String rootMessage(Throwable e) {
        return describe(McpError.findRootCause(e));
    }

    private static String describe(Throwable t) {
        if (t instanceof ConnectException) return "connection refused";
        if (t instanceof UnresolvedAddressException) return "unknown host";
        String msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }
}
