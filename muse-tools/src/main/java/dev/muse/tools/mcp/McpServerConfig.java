package dev.muse.tools.mcp;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach one MCP server: either launch {@code command} and speak over its stdin/stdout, or connect to
 * {@code url} with streamable HTTP. Exactly one of the two is set.
 *
 * @param name short name, used as the prefix of the server's tool names ({@code name__tool}): 1-32 letters, digits,
 *     '_' or '-'
 * @param command program and arguments, e.g. {@code ["npx", "-y", "@modelcontextprotocol/server-everything"]};
 *     empty for an HTTP server
 * @param env variables for the launched command, added to a minimal inherited set (HOME, PATH, USER, SHELL, TERM,
 *     LOGNAME) so secrets in Muse's own environment do not leak to every server
 * @param url the streamable HTTP endpoint, e.g. {@code http://127.0.0.1:3000/mcp}; null for a stdio server
 * @param headers sent with every HTTP request, e.g. {@code Authorization: Bearer ...}
 * @param timeout limit for connecting, initializing and each tool call (default 30 s)
 */
public record McpServerConfig(
        String name, List<String> command, Map<String, String> env, String url, Map<String, String> headers,
        Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public McpServerConfig {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("MCP server name must be 1-32 letters, digits, '_' or '-' (it prefixes"
                    + " the server's tool names), got " + (name == null ? "none" : "'" + name + "'"));
        }
        String at = "MCP server '" + name + "': ";
        if (command != null && command.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException(at + "'command' has an empty entry");
        }
        command = command == null ? List.of() : List.copyOf(command);
        env = copy(at, "env", env);
        headers = copy(at, "headers", headers);
        url = url == null || url.isBlank() ? null : url.strip();
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (command.isEmpty() == (url == null)) {
            throw new IllegalArgumentException(at + "set exactly one of 'command' (a program to launch over stdio)"
                    + " or 'url' (a streamable HTTP endpoint)");
        }
        if (!command.isEmpty()) {
            if (command.getFirst().isBlank()) {
                throw new IllegalArgumentException(at + "'command' must start with a program name, e.g. [npx, -y, pkg]");
            }
            if (!headers.isEmpty()) {
                throw new IllegalArgumentException(at + "'headers' only apply to an HTTP server ('url')");
            }
        } else {
            checkUrl(at, url);
            if (!env.isEmpty()) {
                throw new IllegalArgumentException(at + "'env' only applies to a launched server ('command')");
            }
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(at + "'timeout' must be positive, got " + timeout);
        }
    }

    /**
     * Reads one entry of a config file (e.g. {@code mcp.servers.<name>} in muse.yaml, parsed to maps and lists):
     * keys {@code command} (list, or one string split on spaces), {@code env}, {@code url}, {@code headers},
     * {@code timeout} ("30s", "2m", "500ms", an ISO duration such as "PT30S", or a number of seconds).
     */
    public static McpServerConfig fromMap(String name, Map<String, ?> entry) {
        String at = "MCP server '" + name + "': ";
        if (entry == null) throw new IllegalArgumentException(at + "the entry is empty: give 'command' or 'url'");
        for (String key : entry.keySet()) {
            if (!List.of("command", "env", "url", "headers", "timeout").contains(key)) {
                throw new IllegalArgumentException(at + "unknown key '" + key
                        + "'; the keys are command, env, url, headers, timeout");
            }
        }
        List<String> command = switch (entry.get("command")) {
            case null -> List.of();
            case String s -> List.of(s.strip().split("\\s+"));
            case List<?> l -> l.stream().map(o -> o == null ? null : String.valueOf(o)).toList();
            default -> throw new IllegalArgumentException(at + "'command' must be a list such as [npx, -y, pkg]");
        };
        Object url = entry.get("url");
        if (url != null && !(url instanceof String)) throw new IllegalArgumentException(at + "'url' must be text");
        return new McpServerConfig(name, command, stringMap(at, "env", entry.get("env")), (String) url,
                stringMap(at, "headers", entry.get("headers")), duration(at, entry.get("timeout")));
    }

    private static Map<String, String> stringMap(String at, String key, Object value) {
        if (value == null) return Map.of();
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(at + "'" + key + "' must be a map of names to values");
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        return out;
    }

    private static Duration duration(String at, Object value) {
        if (value == null) return null;
        if (value instanceof Number n) return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        String s = String.valueOf(value).strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.startsWith("pt")) return Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
            if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).strip()));
            if (s.endsWith("s")) return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            if (s.endsWith("m")) return Duration.ofSeconds(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60));
            return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(at + "'timeout' must look like 30s, 2m, 500ms or PT30S, got '" + value + "'");
        }
    }

    private static Map<String, String> copy(String at, String key, Map<String, String> m) {
        if (m == null) return Map.of();
        m.forEach((k, v) -> {
            if (k == null || k.isBlank() || v == null) {
                throw new IllegalArgumentException(at + "'" + key + "' has an entry without a name or a value: " + k);
            }
        });
        return Map.copyOf(m);
    }

    /** A server launched as {@code command} that speaks MCP over stdio. */
    public static McpServerConfig stdio(String name, List<String> command) {
        return new McpServerConfig(name, command, Map.of(), null, Map.of(), null);
    }

    /** A streamable HTTP server at {@code url}. */
    public static McpServerConfig http(String name, String url) {
        return new McpServerConfig(name, List.of(), Map.of(), url, Map.of(), null);
    }

    public boolean isStdio() {
        return !command.isEmpty();
    }

    /** Where it is, for messages: the command line or the URL. */
    public String location() {
        return isStdio() ? String.join(" ", command) : url;
    }

    private static void checkUrl(String where, String url) {
        try {
            URI u = new URI(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
                throw new IllegalArgumentException(where + "'url' must be an http:// or https:// URL such as"
                        + " http://127.0.0.1:3000/mcp, got '" + url + "'");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(where + "'url' is not a valid URL (" + e.getReason() + "): '" + url + "'");
        }
    }
}
