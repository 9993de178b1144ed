package dev.muse.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Capabilities;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ChatModel} over Anthropic's Messages API ({@code POST /v1/messages}, {@code x-api-key},
 * {@code anthropic-version: 2023-06-01}).
 *
 * <ul>
 *   <li>System messages go to the top-level {@code system}; tool results become {@code tool_result} blocks in a
 *       user turn; consecutive turns of one role are merged, as the API requires alternation.
 *   <li>Extended thinking ({@code thinking: {type: enabled, budget_tokens}}) when {@link dev.muse.core.Reasoning}
 *       is on, has a budget, or names an effort — see {@link AnthropicWire#thinkingBudget}; {@code max_tokens} is
 *       raised above the budget when needed. Thinking arrives as {@link StreamEvent.ReasoningDelta}s and in
 *       {@code Choice.reasoning()}. Signed thinking blocks that preceded a tool call are kept (per tool-use id,
 *       last 1000) and replayed with that turn, as the API demands during a tool loop.
 *   <li>Images: data URLs as base64 sources, http(s) URLs as url sources.
 *   <li>No {@code n}: {@code n > 1} runs as concurrent calls on virtual threads.
 *   <li>Usage: one {@link StreamEvent.UsageReport} per call; reasoning tokens are estimated from the thinking text
 *       (the API counts them in {@code output_tokens} without reporting them apart) and marked estimated.
 *   <li>Timeouts, retries (429, 5xx, 529 overloaded, connection errors, early stream cuts) and cancellation as for
 *       {@link OpenAiChatModel}: one {@link Transport} serves both.
 * </ul>
 */
public final class AnthropicChatModel implements ChatModel {
    private final AnthropicConfig config;
    private final URI endpoint;
    private final Transport transport;
    private final Map<String, List<JsonNode>> thinkingByToolUse = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<JsonNode>> eldest) {
            return size() > 1000;
        }
    });

    public AnthropicChatModel(AnthropicConfig config) {
        this.config = config;
        this.endpoint = URI.create(config.baseUrl() + "/messages");
        this.transport = new Transport(config.name(), endpoint, config.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? config.timeout() : Duration.ofSeconds(10),
                config.maxRetries(), config.retryBaseDelay(), config.maxRetryWait());
    }

    /** The CLI's shortcut. {@code baseUrl} null means Anthropic's API; {@code timeout} null the default. */
    public static AnthropicChatModel create(String baseUrl, String apiKey, String model, Duration timeout) {
        return new AnthropicChatModel(AnthropicConfig.of(baseUrl, apiKey, model).withTimeout(timeout));
    }

    public AnthropicConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, true, true, true, false);
    }

    @Override
    public void close() {
        transport.close();
    }

    @Override
    public ChatResponse generate(ChatRequest request, StreamListener listener) {
        long start = System.nanoTime();
        if (request.n() == 1) return call(request, listener, start);
        return Samples.concurrent((r, l) -> call(r, l, System.nanoTime()), request, request.n(), 0, listener, start);
    }

    private ChatResponse call(ChatRequest request, StreamListener listener, long start) {
        String model = request.model() != null ? request.model() : config.model();
        boolean stream = listener != StreamListener.NONE;
        ObjectNode body = AnthropicWire.body(request, model, config, stream, thinkingByToolUse::get);
        HttpRequest.Builder http = HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .header("anthropic-version", AnthropicConfig.API_VERSION)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (config.apiKey() != null) http.header("x-api-key", config.apiKey());
        config.headers().forEach(http::header);
        Duration timeout = request.timeout() != null ? request.timeout() : config.timeout();
        Transport.StatusMapper statuses = (status, text) -> Errors.forStatus(name(), status, text, model, endpoint.toString(),
                "MUSE_API_KEY / --api-key", "see Anthropic's model list for names, e.g. claude-sonnet-4-5");
        AnthropicWire.Parsed parsed = transport.send(http.build(), timeout, request.cancellation(), listener, statuses, (in, progress) -> stream
                        && !progress.contentType().startsWith("application/json")
                ? AnthropicWire.readStream(name(), in, progress, listener)
                : AnthropicWire.message(name(), Wire.parse(name(), new String(in.readAllBytes(), StandardCharsets.UTF_8)), listener));
        if (!parsed.thinkingBlocks().isEmpty()) {
            for (ToolCall c : parsed.choice().toolCalls()) thinkingByToolUse.put(c.id(), parsed.thinkingBlocks());
        }
        Usage usage = AnthropicWire.usage(parsed, request);
        listener.on(new StreamEvent.UsageReport(null, usage));
        return new ChatResponse(List.of(parsed.choice()), usage, model, (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public String toString() {
        return name() + " @ " + config.baseUrl();
    }
}
