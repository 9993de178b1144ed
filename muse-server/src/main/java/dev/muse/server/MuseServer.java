package dev.muse.server;

import dev.muse.reasoning.Muse;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A running Muse HTTP server: the OpenAI-compatible API, the conversations and runs API, metrics and the web page.
 *
 * <pre>{@code
 * try (MuseServer s = MuseServer.start(ServerConfig.defaults().withPort(8080), muse, List.of("gpt-4o-mini"))) {
 *     s.awaitStop();
 * }
 * }</pre>
 */
public final class MuseServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MuseServer.class.getName());

    private final Javalin app;
    private final Completions completions;
    private final Database db;
    private final ExecutorService executor;
    private final ServerConfig config;
    private final Object stopped = new Object();
    private volatile boolean closed;

    private MuseServer(Javalin app, Completions completions, Database db, ExecutorService executor, ServerConfig config) {
        this.app = app;
        this.completions = completions;
        this.db = db;
        this.executor = executor;
        this.config = config;
    }

    /** Starts a server whose every backend model id runs on {@code muse}. */
    public static MuseServer start(ServerConfig config, Muse muse, List<String> backendModelIds) {
        if (backendModelIds == null || backendModelIds.isEmpty()) {
            throw new IllegalArgumentException("name at least one backend model id to list in /v1/models");
        }
        Map<String, Muse> map = new LinkedHashMap<>();
        for (String id : backendModelIds) map.put(id, muse);
        return start(config, map);
    }

    /**
     * Starts a server with one {@link Muse} per backend model id (the first is the default for the {@code muse-*}
     * aliases; {@code muse.backend} in a request picks another).
     *
     * @throws IllegalStateException when the host is not loopback and no API key exists, or the database cannot open
     */
    public static MuseServer start(ServerConfig config, Map<String, Muse> musesByModelId) {
        if (musesByModelId == null || musesByModelId.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one backend model");
        }
        Database db = Database.open(config.databaseUrl(), config.dataDir());
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            ApiKeys keys = new ApiKeys(db, false);
            if (!config.loopback() && !keys.anyActive()) {
                throw new IllegalStateException("refusing to listen on " + config.host() + " without API keys: anyone on the"
                        + " network could use your models. Create a key with `muse keys create NAME` (then clients send"
                        + " 'Authorization: Bearer <key>'), or bind to 127.0.0.1.");
            }
            Store store = new Store(db);
            int interrupted = store.markInterruptedRuns();
            if (interrupted > 0) LOG.log(System.Logger.Level.INFO, "{0} runs were interrupted by the last shutdown", interrupted);
            Metrics metrics = new Metrics();
            Limits limits = new Limits(config.requestsPerMinute(), config.tokenQuota(), keys);
            List<String> ids = new ArrayList<>(musesByModelId.keySet());
            CompletionParser parser = new CompletionParser(ids, config.allowHttpImages(), config.defaultMode(), config.serverTools());
            Completions completions = new Completions(Map.copyOf(musesByModelId), store, limits, metrics, executor);
            Routes routes = new Routes(config, ids, parser, completions, store, keys, limits, metrics);
            Javalin app = Javalin.create(cfg -> {
                cfg.showJavalinBanner = false;
                cfg.useVirtualThreads = true;
                cfg.http.maxRequestSize = config.maxBodyBytes();
                cfg.staticFiles.add(sf -> {
                    sf.hostedPath = "/";
                    sf.directory = "/web";
                    sf.location = Location.CLASSPATH;
                });
            });
            routes.install(app);
            app.start(config.host(), config.port());
            return new MuseServer(app, completions, db, executor, config);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            db.close();
            if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) throw e;
            throw new IllegalStateException("cannot start the server on " + config.host() + ":" + config.port() + ": "
                    + Database.rootMessage(e), e);
        }
    }

    /** The port the server listens on (the one picked when the config said 0). */
    public int port() {
        return app.port();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        String h = config.host().contains(":") && !config.host().startsWith("[") ? "[" + config.host() + "]" : config.host();
        if (h.equals("0.0.0.0")) h = "127.0.0.1";
        return "http://" + h + ":" + port();
    }

    /** Blocks until {@link #close} is called (from a shutdown hook, say). */
    public void awaitStop() throws InterruptedException {
        synchronized (stopped) {
            while (!closed) stopped.wait();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        completions.shutdown(java.time.Duration.ofSeconds(5));
        app.stop();
        executor.shutdownNow();
        db.close();
        synchronized (stopped) {
            closed = true;
            stopped.notifyAll();
        }
    }
}
