package dev.muse.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Capabilities;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.Usage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A {@link ChatModel} over any OpenAI-compatible {@code /chat/completions} endpoint.
 *
 * <ul>
 *   <li>Streams (SSE) when the caller passes a listener, otherwise makes a plain JSON call.
 *   <li>Reasoning arrives as {@code reasoning_content}, {@code reasoning}, or {@code <think>…</think>} inside the
 *       content; all three end up in {@link Choice#reasoning()} and {@link StreamEvent.ReasoningDelta}s, never in
 *       the answer.
 *   <li>{@link dev.muse.core.Reasoning}: {@code effort} is sent as {@code reasoning_effort}; on/off as
 *       {@code chat_template_kwargs: {enable_thinking}} (what vLLM, llama.cpp and SGLang hand to hybrid-thinking
 *       templates). It is not sent to api.openai.com, and is dropped for good if a server rejects it.
 *       {@code budgetTokens} has no OpenAI wire field and is not sent.
 *   <li>{@code n > 1}: sent as {@code n}. A server that ignores it (returns fewer choices, like Ollama) or rejects
 *       it (400, like llama.cpp) is served by concurrent single calls instead, on virtual threads; the model
 *       remembers this and skips {@code n} from then on. Concurrent samples get {@code seed + i} so that a fixed
 *       seed does not make them identical.
 *   <li>Usage: one {@link StreamEvent.UsageReport} per HTTP call. Reasoning tokens come from
 *       {@code completion_tokens_details.reasoning_tokens}; when a server leaves them out but sent reasoning text,
 *       or sends no usage at all, the counts are estimated from the text with {@link dev.muse.core.TokenEstimator}
 *       and marked {@code reasoningEstimated}.
 *   <li>Failures are {@link ModelException}s naming this backend; 429/5xx/connection errors and early stream cuts
 *       are retried as {@link OpenAiConfig} says, announced with {@link StreamEvent.Notice}s.
 * </ul>
 */
public final class OpenAiChatModel implements ChatModel {
    private static final System.Logger LOG = System.getLogger(OpenAiChatModel.class.getName());

    private enum NMode { UNKNOWN, NATIVE, CONCURRENT }

    private final OpenAiConfig config;
    private final URI endpoint;
    private final Transport transport;
    private volatile NMode nMode = NMode.UNKNOWN;
    private volatile boolean templateKwargs;

    public OpenAiChatModel(OpenAiConfig config) {
        this.config = config;
        this.endpoint = URI.create(config.baseUrl() + "/chat/completions");
        this.templateKwargs = !config.isOpenAiItself();
        this.transport = new Transport(config.name(), endpoint, config.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? config.timeout() : Duration.ofSeconds(10),
                config.maxRetries(), config.retryBaseDelay(), config.maxRetryWait());
    }

    /** The CLI's shortcut: defaults for everything but these. {@code timeout} may be null for the default. */
    public static OpenAiChatModel create(String baseUrl, String apiKey, String model, Duration timeout) {
        return new OpenAiChatModel(OpenAiConfig.of(baseUrl, apiKey, model).withTimeout(timeout));
    }

    public OpenAiConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(config.nativeReasoning(), false, true, true, nMode != NMode.CONCURRENT);
    }

    @Override
    public void close() {
        transport.close();
    }

    @Override
    public ChatResponse generate(ChatRequest request, StreamListener listener) {
        long start = System.nanoTime();
        int n = request.n();
        if (n == 1 || nMode == NMode.CONCURRENT) {
            return n == 1 ? call(request, 1, listener, start) : Samples.concurrent(this::single, request, n, 0, listener, start);
        }
        ChatResponse first;
        try {
            first = call(request, n, listener, start);
        } catch (ModelException e) {
            if (e.kind() != ModelException.Kind.BAD_REQUEST || nMode == NMode.NATIVE) throw e;
            // llama.cpp answers 400 to n > 1; if single calls work, that was the reason
            ChatResponse r = Samples.concurrent(this::single, request, n, 0, listener, start);
            nMode = NMode.CONCURRENT;
            listener.on(new StreamEvent.Notice(null, name() + ": the server rejected n=" + n + " (" + e.getMessage()
                    + "); using " + n + " concurrent calls from now on"));
            return r;
        }
        int got = first.choices().size();
        if (got >= n) {
            nMode = NMode.NATIVE;
            return first;
        }
        nMode = NMode.CONCURRENT;
        listener.on(new StreamEvent.Notice(null, name() + ": the server returned " + got + " of " + n
                + " samples (it ignores n); making the other " + (n - got) + " as separate calls"));
        LOG.log(System.Logger.Level.DEBUG, "{0} ignores n; falling back to concurrent calls", name());
        ChatResponse rest = Samples.concurrent(this::single, request, n - got, got, listener, start);
        return Samples.merge(first, rest, start);
    }

    private ChatResponse single(ChatRequest request, StreamListener listener) {
        return call(request, 1, listener, System.nanoTime());
    }

    /** One HTTP call (retried inside the transport). */
    private ChatResponse call(ChatRequest request, int n, StreamListener listener, long start) {
        String model = request.model() != null ? request.model() : config.model();
        boolean stream = listener != StreamListener.NONE;
        try {
            return send(request, model, n, stream, listener, start);
        } catch (ModelException e) {
            if (e.kind() == ModelException.Kind.BAD_REQUEST && templateKwargs && request.reasoning().enabled() != null
                    && e.getMessage().contains("chat_template_kwargs")) {
                templateKwargs = false; // this server does not take it: send requests without it from now on
                return send(request, model, n, stream, listener, start);
            }
            throw e;
        }
    }

    private ChatResponse send(ChatRequest request, String model, int n, boolean stream, StreamListener listener, long start) {
        ObjectNode body = OpenAiWire.body(request, model, n, stream, templateKwargs, config.isOpenAiItself());
        HttpRequest.Builder http = HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (config.apiKey() != null) http.header("Authorization", "Bearer " + config.apiKey());
        config.headers().forEach(http::header);
        Duration timeout = request.timeout() != null ? request.timeout() : config.timeout();
        Transport.StatusMapper statuses = (status, text) -> Errors.forStatus(name(), status, text, model, endpoint.toString(),
                "MUSE_API_KEY / --api-key", "GET " + config.baseUrl() + "/models lists what the server has");
        ChatResponse response = transport.send(http.build(), timeout, request.cancellation(), listener, statuses, (in, progress) -> {
            // a few servers ignore stream: true and answer with one JSON object; take it as it is
            if (stream && !progress.contentType().startsWith("application/json")) {
                OpenAiWire.Streamed s = OpenAiWire.readStream(name(), in, progress, listener);
                return response(request, model, s.choices(), s.usage(), start);
            }
            JsonNode root = Wire.parse(name(), readAll(in));
            List<Choice> choices = OpenAiWire.choices(name(), root, listener);
            return response(request, root.path("model").asText(model), choices, root.get("usage"), start);
        });
        listener.on(new StreamEvent.UsageReport(null, response.usage()));
        return response;
    }

    private static ChatResponse response(ChatRequest request, String model, List<Choice> choices, JsonNode usage, long start) {
        Usage u = OpenAiWire.usage(usage, request, choices);
        return new ChatResponse(choices, u, model, (System.nanoTime() - start) / 1_000_000);
    }

    private static String readAll(java.io.InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name() + " @ " + config.baseUrl();
    }
}
