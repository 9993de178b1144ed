package dev.muse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.reasoning.Muse;
import dev.muse.testkit.Responder;
import dev.muse.testkit.StandInOpenAiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A Muse server on a random loopback port over a stand-in OpenAI-compatible backend (a real HTTP server), with a
 * fresh H2 file database in a temp dir, and a plain HTTP client to drive it.
 */
final class Harness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BACKEND_MODEL = "stand-in";

    final StandInOpenAiServer backend;
    final OpenAiChatModel model;
    final Path dataDir;
    final ServerConfig config;
    MuseServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private dev.muse.tools.ToolRegistry tools = dev.muse.tools.ToolRegistry.of(List.of());

    private Harness(StandInOpenAiServer backend, Path dataDir, ServerConfig config) {
        this.backend = backend;
        this.dataDir = dataDir;
        this.config = config;
        this.model = new OpenAiChatModel(OpenAiConfig.of(backend.baseUrl(), "backend-key", BACKEND_MODEL)
                .withTimeout(Duration.ofSeconds(10)).withMaxRetries(0));
    }

    static Harness start(Responder responder) {
        return start(responder, c -> c);
    }

    static Harness start(Responder responder, UnaryOperator<ServerConfig> tweak) {
        return start(responder, tweak, List.of());
    }

    /** With Muse's own (server-side) tools. */
    static Harness start(Responder responder, UnaryOperator<ServerConfig> tweak, List<dev.muse.tools.Tool> tools) {
        try {
            Path dir = Files.createTempDirectory("muse-server-test");
            ServerConfig cfg = tweak.apply(ServerConfig.defaults().withPort(0).withDataDir(dir).withRequestsPerMinute(0));
            Harness h = new Harness(StandInOpenAiServer.start(responder), dir, cfg);
            h.tools = dev.muse.tools.ToolRegistry.of(tools);
            h.server = MuseServer.start(cfg, h.muse(), List.of(BACKEND_MODEL));
            return h;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A fresh schema in the PostgreSQL database named by {@code MUSE_TEST_PG_URL} (the test is skipped when it is
     * not set), so each test starts empty like it does on H2.
     */
    static UnaryOperator<ServerConfig> postgres() {
        String url = System.getenv("MUSE_TEST_PG_URL");
        org.junit.jupiter.api.Assumptions.assumeTrue(url != null && !url.isBlank(),
                "MUSE_TEST_PG_URL is not set: skipping the PostgreSQL run (CI sets it after starting PostgreSQL)");
        String schema = "t_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url)) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot prepare a schema in " + url + ": " + e.getMessage(), e);
        }
        String scoped = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        return c -> c.withDatabaseUrl(scoped);
    }

    Muse muse() {
        return Muse.builder().model(model).tools(tools).build();
    }

    /** Stops the server and starts a new one over the same database (a restart). */
    void restart() {
        server.close();
        server = MuseServer.start(config, muse(), List.of(BACKEND_MODEL));
    }

    String url(String path) {
        return server.url() + path;
    }

    HttpResponse<String> get(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        return send(b.build());
    }

    HttpResponse<String> get(String path) {
        return get(path, null);
    }

    HttpResponse<String> post(String path, String body, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return send(b.build());
    }

    HttpResponse<String> post(String path, String body) {
        return post(path, body, null);
    }

    HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + r.statusCode() + "): " + r.body(), e);
        }
    }

    static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** The {@code data:} payloads of an SSE body, in order. */
    static List<String> sseData(String body) {
        return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    static String chat(String model, String userText, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + quote(userText) + "}]"
                + (extra == null || extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (server != null) server.close();
        model.close();
        backend.close();
    }
}
