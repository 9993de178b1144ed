package dev.muse.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The loopback HTTP plumbing the stand-ins share: a JDK {@link HttpServer} on 127.0.0.1 with a random port, one
 * virtual thread per exchange, request recording, faults, and an SSE writer that can pace, stall or cut a stream.
 */
abstract class StandInServer implements AutoCloseable {

    /** The client went away (or the stream was cut on purpose): stop writing. */
    static final class StreamEnded extends RuntimeException {
        StreamEnded() {
            super(null, null, false, false);
        }
    }

    protected final Responder responder;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();

    StandInServer(Responder responder) {
        this.responder = Objects.requireNonNull(responder, "responder");
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the stand-in server: " + e.getMessage(), e);
        }
        http.setExecutor(executor);
    }

    void route(String path, Handler handler) {
        http.createContext(path, ex -> {
            try (ex) {
                handler.handle(ex);
            } catch (StreamEnded e) {
                // already counted or cut on purpose
            } catch (IOException e) {
                disconnects.incrementAndGet(); // writing failed: the client closed the connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the server is closing
            } catch (RuntimeException e) {
                try {
                    sendJson(ex, 500, "{\"error\":{\"message\":" + Json.quote("stand-in failed: " + e) + ",\"type\":\"server_error\"}}", Map.of());
                } catch (IOException ignored) {
                    // nothing more to tell a client that is gone
                }
            }
        });
    }

    void start() {
        http.start();
    }

    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange ex) throws IOException, InterruptedException;
    }

    /** {@code http://127.0.0.1:PORT} without a path. */
    String origin() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Every chat request received, in arrival order (sample index 0). Thread-safe snapshot. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** How many times a client closed its connection while the server was still streaming to it. */
    public int clientDisconnects() {
        return disconnects.get();
    }

    /** Waits up to {@code max} until at least {@code count} client disconnects were seen; returns whether they were. */
    public boolean awaitClientDisconnects(int count, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (disconnects.get() < count) {
            if (System.nanoTime() > end) return false;
            Thread.sleep(5);
        }
        return true;
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    String nextId(String prefix) {
        return prefix + ids.incrementAndGet();
    }

    /** Reads and records the body; answers 400 and returns null when it is not JSON. */
    RecordedRequest record(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            sendJson(ex, 400, "{\"error\":{\"message\":" + Json.quote("body is not JSON: " + e.getMessage()) + ",\"type\":\"invalid_request_error\"}}", Map.of());
            return null;
        }
        if (body == null || !body.isObject()) {
            sendJson(ex, 400, "{\"error\":{\"message\":\"body must be a JSON object\",\"type\":\"invalid_request_error\"}}", Map.of());
            return null;
        }
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.getFirst()));
        RecordedRequest r = new RecordedRequest(ex.getRequestURI().getPath(), headers, body, 0);
        requests.add(r);
        return r;
    }

    /** Asks the responder for {@code samples} replies; sample 0 decides faults. Sleeps a stall, sends an error. */
    List<Reply> replies(RecordedRequest req, int samples) {
        List<Reply> out = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            Reply r = responder.reply(req.withSample(i));
            if (r == null) throw new IllegalStateException("the responder returned null for sample " + i);
            out.add(r);
        }
        return out;
    }

    /** Applies sample 0's stall and error status; returns true when the exchange was answered with an error. */
    boolean fault(HttpExchange ex, Reply first) throws IOException, InterruptedException {
        if (first.stall().isPositive()) Thread.sleep(first.stall());
        if (!first.isError()) return false;
        send(ex, first.status(), first.contentType(), first.errorBody(), first.headers());
        return true;
    }

    static void sendJson(HttpExchange ex, int status, String json, Map<String, String> headers) throws IOException {
        send(ex, status, "application/json", json, headers);
    }

    static void send(HttpExchange ex, int status, String contentType, String text, Map<String, String> headers) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }
    }

    /** Splits text into streamed pieces: words with their trailing space, long words in 6-char slices. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        if (text == null || text.isEmpty()) return out;
        for (String w : WORD_BOUNDARY.split(text)) {
            for (int i = 0; i < w.length(); i += 6) out.add(w.substring(i, Math.min(w.length(), i + 6)));
        }
        return out;
    }

    private static final Pattern WORD_BOUNDARY = Pattern.compile("(?<=\\s)(?=\\S)");

    /** Writes server-sent events with the pacing and faults of a reply. */
    final class Sse {
        private final HttpExchange ex;
        private final OutputStream os;
        private final Reply pace;
        private int sent;

        Sse(HttpExchange ex, Reply pace) throws IOException {
            this.ex = ex;
            this.pace = pace;
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            pace.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            // a cut stream promises more bytes than it sends, so closing early drops the connection mid-body
            ex.sendResponseHeaders(200, pace.cutAfterChunks() >= 0 ? 50_000_000 : 0);
            this.os = ex.getResponseBody();
        }

        void data(String json) throws IOException, InterruptedException {
            event(null, json);
        }

        void event(String name, String json) throws IOException, InterruptedException {
            if (sent == pace.cutAfterChunks()) {
                os.flush();
                try {
                    ex.close(); // fewer bytes than promised: the server drops the connection
                } catch (RuntimeException ignored) {
                    // HttpServer complains about the short body; that is the point
                }
                throw new StreamEnded();
            }
            if (sent == pace.stallAfterChunks()) Thread.sleep(pace.midStreamStall());
            if (sent > 0 && pace.tokenDelay().isPositive()) Thread.sleep(pace.tokenDelay());
            String frame = (name == null ? "" : "event: " + name + "\n") + "data: " + json + "\n\n";
            os.write(frame.getBytes(StandardCharsets.UTF_8));
            os.flush();
            sent++;
        }

        /** Writes a raw line (e.g. {@code data: [DONE]}) and ends the stream. */
        void finish(String rawFrame) throws IOException {
            if (rawFrame != null) {
                os.write(rawFrame.getBytes(StandardCharsets.UTF_8));
            }
            os.close();
        }
    }
}
