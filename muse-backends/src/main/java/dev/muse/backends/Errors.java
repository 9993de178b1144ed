package dev.muse.backends;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.ModelException;
import dev.muse.core.ModelException.Kind;
import java.util.Locale;

/** Turns an HTTP error status and body into a {@link ModelException} that says what went wrong and what to do. */
final class Errors {
    private Errors() {}

    /**
     * @param keyHint how the user sets the key, named in AUTH errors
     * @param modelsHint how to list models, named in NOT_FOUND errors
     */
    static ModelException forStatus(String backend, int status, String body, String model, String endpoint, String keyHint, String modelsHint) {
        String detail = serverMessage(body);
        String said = "HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
        return switch (status) {
            case 401, 403 -> new ModelException(backend, Kind.AUTH, "the server rejected the API key (" + said + ") — check the API key (" + keyHint + ")", null);
            case 404 -> {
                String lower = detail.toLowerCase(Locale.ROOT);
                if (lower.contains("model")) {
                    yield new ModelException(backend, Kind.NOT_FOUND, "unknown model '" + model + "' (" + said + ") — " + modelsHint, null);
                }
                yield new ModelException(backend, Kind.NOT_FOUND, "nothing at " + endpoint + " (" + said + ") — check the base URL"
                        + " (OpenAI-compatible servers usually end in /v1) and the model '" + model + "' (" + modelsHint + ")", null);
            }
            case 429 -> new ModelException(backend, Kind.RATE_LIMITED, "rate limited (" + said + ")", null);
            case 408 -> new ModelException(backend, Kind.TIMEOUT, "the server timed out the request (" + said + ")", null);
            default -> {
                if (status >= 500) yield new ModelException(backend, Kind.SERVER, "server error (" + said + ")", null);
                yield new ModelException(backend, Kind.BAD_REQUEST, "the server rejected the request (" + said + ")", null);
            }
        };
    }

    /** The human part of an error body: OpenAI's and Anthropic's {@code error.message}, else the raw text, shortened. */
    static String serverMessage(String body) {
        if (body == null || body.isBlank()) return "";
        try {
            JsonNode n = Wire.MAPPER.readTree(body);
            JsonNode err = n.get("error");
            if (err != null && err.isObject() && err.hasNonNull("message")) return shorten(err.get("message").asText());
            if (err != null && err.isTextual()) return shorten(err.asText());
            if (n.hasNonNull("message")) return shorten(n.get("message").asText());
            if (n.hasNonNull("detail")) return shorten(n.get("detail").asText());
        } catch (Exception notJson) {
            // plain text error pages are common behind proxies
        }
        return shorten(body.strip());
    }

    static String shorten(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 300 ? one.substring(0, 300) + "…" : one;
    }
}
