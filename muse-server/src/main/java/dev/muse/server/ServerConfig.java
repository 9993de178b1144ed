package dev.muse.server;

import dev.muse.reasoning.Mode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How {@code muse serve} runs.
 *
 * @param host address to bind; anything but loopback requires at least one active API key
 * @param port TCP port; 0 picks a free one (see {@link MuseServer#port()})
 * @param dataDir where the default H2 file database lives ({@code ~/.muse} by default)
 * @param databaseUrl a JDBC URL ({@code jdbc:postgresql://...} or {@code jdbc:h2:...}), or null for the file
 *     database under {@code dataDir}; credentials from {@code MUSE_DB_USER}/{@code MUSE_DB_PASSWORD} or the URL
 * @param allowHttpImages accept {@code http(s)} image URLs (off: only data URLs, so the server fetches nothing)
 * @param maxBodyBytes largest request body; larger ones get 413
 * @param requestsPerMinute per-key (or per-server without keys) request limit; 0 = unlimited
 * @param tokenQuota per-key total tokens (input + output) ever; 0 = unlimited
 * @param serverTools Muse tools enabled for every request (requests may add more with {@code muse.tools})
 * @param defaultMode the mode when the request names none
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        String databaseUrl,
        boolean allowHttpImages,
        long maxBodyBytes,
        int requestsPerMinute,
        long tokenQuota,
        List<String> serverTools,
        Mode defaultMode) {

    public static final long DEFAULT_MAX_BODY = 8L * 1024 * 1024;

    public ServerConfig {
        host = host == null || host.isBlank() ? "127.0.0.1" : host.strip();
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        dataDir = dataDir == null ? Path.of(System.getProperty("user.home"), ".muse") : dataDir;
        databaseUrl = databaseUrl == null || databaseUrl.isBlank() ? null : databaseUrl.strip();
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("max body size must be at least 1024 bytes, got " + maxBodyBytes);
        if (requestsPerMinute < 0) throw new IllegalArgumentException("requests per minute cannot be negative (0 = unlimited)");
        if (tokenQuota < 0) throw new IllegalArgumentException("token quota cannot be negative (0 = unlimited)");
        serverTools = serverTools == null ? List.of() : List.copyOf(serverTools);
        defaultMode = Objects.requireNonNullElse(defaultMode, Mode.AUTO);
    }

    /** Loopback on 8080, the file database under {@code ~/.muse}, data-URL images only, 8 MiB bodies, 60 requests/min. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, null, null, false, DEFAULT_MAX_BODY, 60, 0, List.of(), Mode.AUTO);
    }

    public ServerConfig withHost(String v) {
        return new ServerConfig(v, port, dataDir, databaseUrl, allowHttpImages, maxBodyBytes, requestsPerMinute, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withPort(int v) {
        return new ServerConfig(host, v, dataDir, databaseUrl, allowHttpImages, maxBodyBytes, requestsPerMinute, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withDataDir(Path v) {
        return new ServerConfig(host, port, v, databaseUrl, allowHttpImages, maxBodyBytes, requestsPerMinute, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withDatabaseUrl(String v) {
        return new ServerConfig(host, port, dataDir, v, allowHttpImages, maxBodyBytes, requestsPerMinute, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withAllowHttpImages(boolean v) {
        return new ServerConfig(host, port, dataDir, databaseUrl, v, maxBodyBytes, requestsPerMinute, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withMaxBodyBytes(long v) {
        return new ServerConfig(host, port, dataDir, databaseUrl, allowHttpImages, v, requestsPerMinute, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withRequestsPerMinute(int v) {
        return new ServerConfig(host, port, dataDir, databaseUrl, allowHttpImages, maxBodyBytes, v, tokenQuota, serverTools, defaultMode);
    }

    public ServerConfig withTokenQuota(long v) {
        return new ServerConfig(host, port, dataDir, databaseUrl, allowHttpImages, maxBodyBytes, requestsPerMinute, v, serverTools, defaultMode);
    }

    public ServerConfig withServerTools(List<String> v) {
        return new ServerConfig(host, port, dataDir, databaseUrl, allowHttpImages, maxBodyBytes, requestsPerMinute, tokenQuota, v, defaultMode);
    }

    public ServerConfig withDefaultMode(Mode v) {
        return new ServerConfig(host, port, dataDir, databaseUrl, allowHttpImages, maxBodyBytes, requestsPerMinute, tokenQuota, serverTools, v);
    }

    /** Whether {@link #host} is a loopback address (safe without keys). */
    public boolean loopback() {
        return host.equals("localhost") || host.equals("::1") || host.equals("[::1]") || host.startsWith("127.");
    }
}
