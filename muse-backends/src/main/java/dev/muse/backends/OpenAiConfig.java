package dev.muse.backends;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * How to reach an OpenAI-compatible server (OpenAI, vLLM, llama.cpp's llama-server, Ollama, LM Studio, hosted
 * gateways).
 *
 * @param name the backend's name in messages and traces; null gives {@code "openai:" + model}
 * @param baseUrl the API root, e.g. {@code http://localhost:8080/v1}; a URL without a path gets {@code /v1}
 * @param apiKey sent as {@code Authorization: Bearer …}; null or blank sends none (local servers need none)
 * @param model the model to ask for unless a request names another
 * @param timeout how long to wait for a response to start, and for silence while it streams
 * @param maxRetries retries after a 429, 5xx, connection error or an early stream cut (0 = no retries)
 * @param retryBaseDelay first backoff delay; doubles each retry (with jitter) unless the server sends Retry-After
 * @param maxRetryWait the longest wait the client accepts before a retry; a longer Retry-After fails at once
 * @param nativeReasoning whether the model reasons natively (reported in capabilities; modes then skip the
 *     {@code <think>} prompt)
 * @param headers extra HTTP headers for every call (gateways, org ids)
 */
public record OpenAiConfig(
        String name,
        String baseUrl,
        String apiKey,
        String model,
        Duration timeout,
        int maxRetries,
        Duration retryBaseDelay,
        Duration maxRetryWait,
        boolean nativeReasoning,
        Map<String, String> headers) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    public OpenAiConfig {
        baseUrl = Configs.normalizeBaseUrl(baseUrl, "/v1", "http://localhost:8080/v1", "--base-url / MUSE_BASE_URL");
        model = Configs.requireModel(model);
        name = name == null || name.isBlank() ? "openai:" + model : name;
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        timeout = Configs.positive(timeout == null ? DEFAULT_TIMEOUT : timeout, "timeout");
        if (maxRetries < 0 || maxRetries > 10) throw new IllegalArgumentException("maxRetries must be between 0 and 10, got " + maxRetries);
        retryBaseDelay = Configs.positive(retryBaseDelay == null ? Duration.ofMillis(500) : retryBaseDelay, "retryBaseDelay");
        maxRetryWait = Configs.positive(maxRetryWait == null ? Duration.ofSeconds(60) : maxRetryWait, "maxRetryWait");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** The usual case: defaults for timeout (120 s), 3 retries, 0.5 s backoff, 60 s longest retry wait. */
    public static OpenAiConfig of(String baseUrl, String apiKey, String model) {
        return new OpenAiConfig(null, baseUrl, apiKey, model, null, 3, null, null, false, null);
    }

    public OpenAiConfig withName(String v) {
        return new OpenAiConfig(v, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, nativeReasoning, headers);
    }

    public OpenAiConfig withTimeout(Duration v) {
        return new OpenAiConfig(name, baseUrl, apiKey, model, v, maxRetries, retryBaseDelay, maxRetryWait, nativeReasoning, headers);
    }

    public OpenAiConfig withMaxRetries(int v) {
        return new OpenAiConfig(name, baseUrl, apiKey, model, timeout, v, retryBaseDelay, maxRetryWait, nativeReasoning, headers);
    }

    public OpenAiConfig withRetryBaseDelay(Duration v) {
        return new OpenAiConfig(name, baseUrl, apiKey, model, timeout, maxRetries, v, maxRetryWait, nativeReasoning, headers);
    }

    public OpenAiConfig withMaxRetryWait(Duration v) {
        return new OpenAiConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, v, nativeReasoning, headers);
    }

    public OpenAiConfig withNativeReasoning(boolean v) {
        return new OpenAiConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, v, headers);
    }

    public OpenAiConfig withHeaders(Map<String, String> v) {
        return new OpenAiConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, nativeReasoning, v);
    }

    /** Whether this is OpenAI's own API, which rejects parameters other servers accept. */
    boolean isOpenAiItself() {
        return URI.create(baseUrl).getHost().equalsIgnoreCase("api.openai.com");
    }
}
