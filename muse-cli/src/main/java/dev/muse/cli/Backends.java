package dev.muse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.core.ChatModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds the {@link ChatModel} for a resolved backend. */
final class Backends {
    private Backends() {}

    /** A backend's model and the id under which the server lists it. */
    record Opened(ChatModel model, String modelId) {}

    static Opened open(ResolvedBackend b) {
        try {
            return switch (b.type()) {
                case "openai" -> {
                    String model = b.model() != null ? b.model() : onlyServedModel(b);
                    OpenAiConfig cfg = OpenAiConfig.of(b.baseUrl(), b.apiKey(), model)
                            .withName(b.name().equals("openai") ? null : b.name())
                            .withTimeout(b.timeout())
                            .withMaxRetries(b.maxRetries());
                    yield new Opened(new OpenAiChatModel(cfg), model);
                }
                case "anthropic" -> new Opened(AnthropicBackend.open(b), b.model());
                case "local" -> LocalBackend.open(b);
                default -> throw new UserError("unknown backend type '" + b.type() + "': use openai, anthropic or local");
            };
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * With no model named, asks the server which models it serves: llama.cpp, LM Studio and single-model vLLM
     * servers serve exactly one, and then that is the obvious choice.
     */
    static String onlyServedModel(ResolvedBackend b) {
        String url = b.baseUrl().replaceAll("/+$", "") + "/models";
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (b.apiKey() != null) req.header("Authorization", "Bearer " + b.apiKey());
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() / 100 != 2) {
                throw new UserError("no model named and " + url + " answered " + resp.statusCode() + ": pass --model NAME (or set MUSE_MODEL)");
            }
            List<String> ids = new ArrayList<>();
            JsonNode data = new ObjectMapper().readTree(resp.body()).path("data");
            for (JsonNode m : data) ids.add(m.path("id").asText());
            if (ids.size() == 1) return ids.getFirst();
            if (ids.isEmpty()) throw new UserError(b.baseUrl() + " lists no models: pass --model NAME");
            throw new UserError("pass --model NAME: " + b.baseUrl() + " serves " + String.join(", ", ids.subList(0, Math.min(ids.size(), 10)))
                    + (ids.size() > 10 ? " and " + (ids.size() - 10) + " more" : ""));
        } catch (IOException e) {
            throw new UserError("cannot reach " + b.baseUrl() + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ") — is the server running?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while asking " + url + " for its models");
        }
    }
}
