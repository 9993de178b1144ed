package dev.muse.backends;

import java.time.Duration;
import java.util.Map;

/**
 * How to reach Anthropic's Messages API (or a compatible proxy).
 *
 * @param name the backend's name in messages and traces; null gives {@code "anthropic:" + model}
 * @param baseUrl the API root, default {@code https://api.anthropic.com}; {@code /v1} is added when there is no
 *     path, and requests go to {@code baseUrl + "/messages"}
 * @param apiKey sent as {@code x-api-key}
 * @param model e.g. {@code claude-sonnet-4-5}
 * @param timeout how long to wait for a response to start, and for silence while it streams
 * @param maxRetries retries after a 429, 5xx/529, connection error or an early stream cut
 * @param retryBaseDelay first backoff delay, doubling per retry unless the server sends Retry-After
 * @param maxRetryWait the longest wait accepted before a retry
 * @param defaultMaxTokens {@code max_tokens} when a request sets none (the API requires one)
 * @param defaultThinkingBudget {@code budget_tokens} when reasoning is on without a budget
 * @param headers extra HTTP headers (e.g. {@code anthropic-beta})
 */
public record AnthropicConfig(
        String name,
        String baseUrl,
        String apiKey,
        String model,
        Duration timeout,
        int maxRetries,
        Duration retryBaseDelay,
        Duration maxRetryWait,
        int defaultMaxTokens,
        int defaultThinkingBudget,
        Map<String, String> headers) {

    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** The API version header value this client speaks. */
    public static final String API_VERSION = "2023-06-01";
    /** The smallest thinking budget the API accepts. */
    public static final int MIN_THINKING_BUDGET = 1024;

    public AnthropicConfig {
        baseUrl = Configs.normalizeBaseUrl(baseUrl == null || baseUrl.isBlank() ? DEFAULT_BASE_URL : baseUrl, "/v1",
                DEFAULT_BASE_URL, "--base-url / MUSE_BASE_URL");
        model = Configs.requireModel(model);
        name = name == null || name.isBlank() ? "anthropic:" + model : name;
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        if (apiKey == null && baseUrl.startsWith(DEFAULT_BASE_URL)) {
            throw new IllegalArgumentException("no API key for Anthropic: set MUSE_API_KEY or pass --api-key");
        }
        timeout = Configs.positive(timeout == null ? OpenAiConfig.DEFAULT_TIMEOUT : timeout, "timeout");
        if (maxRetries < 0 || maxRetries > 10) throw new IllegalArgumentException("maxRetries must be between 0 and 10, got " + maxRetries);
        retryBaseDelay = Configs.positive(retryBaseDelay == null ? Duration.ofMillis(500) : retryBaseDelay, "retryBaseDelay");
        maxRetryWait = Configs.positive(maxRetryWait == null ? Duration.ofSeconds(60) : maxRetryWait, "maxRetryWait");
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("defaultMaxTokens must be at least 1, got " + defaultMaxTokens);
        if (defaultThinkingBudget < MIN_THINKING_BUDGET) {
            throw new IllegalArgumentException("defaultThinkingBudget must be at least " + MIN_THINKING_BUDGET + " (Anthropic's minimum), got " + defaultThinkingBudget);
        }
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /**
     * The usual case: timeout 120 s, 3 retries, max_tokens 4096 unless a request says otherwise, 4096 thinking
     * tokens when reasoning is on without a budget. {@code baseUrl} may be null for Anthropic's own API.
     */
    public static AnthropicConfig of(String baseUrl, String apiKey, String model) {
        return new AnthropicConfig(null, baseUrl, apiKey, model, null, 3, null, null, 4096, 4096, null);
    }

    public AnthropicConfig withName(String v) {
        return new AnthropicConfig(v, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, defaultMaxTokens, defaultThinkingBudget, headers);
    }

    public AnthropicConfig withTimeout(Duration v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, v, maxRetries, retryBaseDelay, maxRetryWait, defaultMaxTokens, defaultThinkingBudget, headers);
    }

    public AnthropicConfig withMaxRetries(int v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, timeout, v, retryBaseDelay, maxRetryWait, defaultMaxTokens, defaultThinkingBudget, headers);
    }

    public AnthropicConfig withRetryBaseDelay(Duration v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, timeout, maxRetries, v, maxRetryWait, defaultMaxTokens, defaultThinkingBudget, headers);
    }

    public AnthropicConfig withMaxRetryWait(Duration v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, v, defaultMaxTokens, defaultThinkingBudget, headers);
    }

    public AnthropicConfig withDefaultMaxTokens(int v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, v, defaultThinkingBudget, headers);
    }

    public AnthropicConfig withDefaultThinkingBudget(int v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, defaultMaxTokens, v, headers);
    }

    public AnthropicConfig withHeaders(Map<String, String> v) {
        return new AnthropicConfig(name, baseUrl, apiKey, model, timeout, maxRetries, retryBaseDelay, maxRetryWait, defaultMaxTokens, defaultThinkingBudget, v);
    }
}
