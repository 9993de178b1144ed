package dev.muse.cli;

import dev.muse.reasoning.Mode;
import dev.muse.server.MuseServer;
import dev.muse.server.ServerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the OpenAI-compatible API at /v1 and the web chat at / .")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default 127.0.0.1; other addresses need API keys: muse keys create NAME).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default 8080; 0 picks a free one).")
    int port;

    @Option(names = "--database", paramLabel = "JDBC_URL", description = "PostgreSQL (jdbc:postgresql://...) or H2 URL; default: a file database in ~/.muse (env MUSE_DATABASE_URL).")
    String database;

    @Option(names = "--allow-http-images", description = "Accept http(s) image URLs (the server then fetches them); default: data URLs only.")
    boolean allowHttpImages;

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "60", description = "Requests per minute per key (0 = unlimited).")
    int rateLimit;

    @Option(names = "--token-quota", paramLabel = "N", defaultValue = "0", description = "Total tokens per key (0 = unlimited).")
    long tokenQuota;

    @Option(names = "--mode", paramLabel = "MODE", description = "Mode for requests that name none (default auto).")
    String mode;

    @Option(names = "--tools", paramLabel = "a,b", split = ",", description = "Muse's own tools enabled for every request.")
    List<String> tools;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        MuseConfig config = MuseConfig.load(backend.config);
        List<String> toolNames = tools != null ? tools : config.tools();
        ServerConfig sc;
        try {
            sc = ServerConfig.defaults()
                    .withHost(host)
                    .withPort(port)
                    .withDataDir(MuseConfig.museHome())
                    .withDatabaseUrl(ResolvedBackend.firstNonBlank(database, System.getenv("MUSE_DATABASE_URL")))
                    .withAllowHttpImages(allowHttpImages)
                    .withRequestsPerMinute(rateLimit)
                    .withTokenQuota(tokenQuota)
                    .withDefaultMode(mode == null ? Mode.AUTO : Mode.parse(mode));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        // every backend muse.yaml names is served (the default first), unless the flags name one
        List<BackendOptions> choices = new ArrayList<>();
        boolean flagsChoose = backend.backend != null || backend.baseUrl != null || backend.model != null;
        if (!flagsChoose && config.backends().size() > 1) {
            List<String> names = new ArrayList<>(config.backends().keySet());
            if (config.defaultBackend() != null && names.remove(config.defaultBackend())) names.addFirst(config.defaultBackend());
            for (String n : names) choices.add(backend.withBackend(n));
        } else {
            choices.add(backend);
        }
        List<Wiring> wirings = new ArrayList<>();
        try {
            Map<String, dev.muse.reasoning.Muse> muses = new LinkedHashMap<>();
            for (BackendOptions choice : choices) {
                Wiring w = Wiring.open(choice, config, toolNames);
                wirings.add(w);
                if (muses.putIfAbsent(w.modelId(), w.muse()) != null) {
                    throw new UserError("two backends in muse.yaml serve the model id '" + w.modelId() + "': give one another model");
                }
            }
            MuseServer server;
            try {
                server = MuseServer.start(sc.withServerTools(wirings.getFirst().enabledTools()), muses);
            } catch (IllegalStateException e) {
                throw new UserError(e.getMessage());
            }
            try (server) {
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                String served = String.join(", ", wirings.stream().map(Wiring::describe).toList());
                System.err.println("muse serving " + served + " at " + server.url() + "  (API: " + server.url() + "/v1, web chat: " + server.url() + "/)");
                server.awaitStop();
            }
        } finally {
            for (Wiring w : wirings.reversed()) w.close();
        }
        return 0;
    }
}
