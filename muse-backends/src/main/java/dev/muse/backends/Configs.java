package dev.muse.backends;

import java.net.URI;
import java.time.Duration;

/** Validation shared by the config records, with messages that say what to fix. */
final class Configs {
    private Configs() {}

    static String normalizeBaseUrl(String url, String defaultPath, String example, String where) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no base URL given: set it with " + where + " (e.g. " + example + ")");
        }
        String u = url.strip();
        URI uri;
        try {
            uri = URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("base URL '" + u + "' is not a valid URL (e.g. " + example + ")");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("base URL must start with http:// or https:// and name a host, got '" + u + "' (e.g. " + example + ")");
        }
        while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
        String path = uri.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) u = u + defaultPath;
        return u;
    }

    static String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("no model given: pass --model or set MUSE_MODEL (GET <base-url>/models lists what a server has)");
        }
        return model.strip();
    }

    static Duration positive(Duration d, String what) {
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive, got " + d);
        return d;
    }
}
