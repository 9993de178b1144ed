package dev.muse.testkit;

import dev.muse.core.ToolCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a stand-in server answers for one sample: content, reasoning (in a chosen {@link ReasoningShape}), tool
 * calls, finish reason and usage reporting, streaming pace, or a fault. Immutable: every {@code with…} returns a
 * copy.
 *
 * <pre>{@code
 * Reply.text("42").withReasoning("6 times 7", ReasoningShape.THINK_TAGS).withTokenDelay(Duration.ofMillis(5))
 * Reply.rateLimited(1)                         // 429 with Retry-After: 1
 * Reply.text("late").stalledFor(Duration.ofSeconds(5))
 * Reply.text("a long answer ...").cutAfter(3) // drops the connection after 3 SSE chunks, no [DONE]
 * }</pre>
 */
public final class Reply {
    private String content = "";
    private String reasoning = "";
    private ReasoningShape reasoningShape = ReasoningShape.REASONING_CONTENT;
    private List<ToolCall> toolCalls = List.of();
    private String finishReason;
    private boolean reportUsage = true;
    private boolean reportReasoningTokens = true;
    private long[] usage; // prompt, completion, reasoning; null = counted from the text
    private Duration tokenDelay = Duration.ZERO;
    private int status = 200;
    private String errorBody;
    private String rawContentType;
    private Map<String, String> headers = Map.of();
    private Duration stall = Duration.ZERO;
    private int cutAfterChunks = -1;
    private int stallAfterChunks = -1;
    private Duration midStreamStall = Duration.ZERO;

    private Reply() {}

    private Reply copy() {
        Reply r = new Reply();
        r.content = content;
        r.reasoning = reasoning;
        r.reasoningShape = reasoningShape;
        r.toolCalls = toolCalls;
        r.finishReason = finishReason;
        r.reportUsage = reportUsage;
        r.reportReasoningTokens = reportReasoningTokens;
        r.usage = usage;
        r.tokenDelay = tokenDelay;
        r.status = status;
        r.errorBody = errorBody;
        r.rawContentType = rawContentType;
        r.headers = headers;
        r.stall = stall;
        r.cutAfterChunks = cutAfterChunks;
        r.stallAfterChunks = stallAfterChunks;
        r.midStreamStall = midStreamStall;
        return r;
    }

    // ---- factories

    /** A plain answer. */
    public static Reply text(String content) {
        Reply r = new Reply();
        r.content = Objects.requireNonNull(content, "content");
        return r;
    }

    /** Tool calls (several = parallel tool calls), finish reason {@code tool_calls}. */
    public static Reply toolCalls(ToolCall... calls) {
        Reply r = new Reply();
        r.toolCalls = List.of(calls);
        r.finishReason = "tool_calls";
        return r;
    }

    /** An HTTP error with this status and raw body. */
    public static Reply error(int status, String body) {
        if (status < 400 || status > 599) throw new IllegalArgumentException("an error status is 4xx or 5xx, got " + status);
        Reply r = new Reply();
        r.status = status;
        r.errorBody = body == null ? "" : body;
        return r;
    }

    /**
     * Any response at all, sent as it is instead of the protocol's answer: e.g. a proxy's HTML page with status
     * 200, or a non-JSON error.
     */
    public static Reply raw(int status, String contentType, String body) {
        if (status < 200 || status > 599) throw new IllegalArgumentException("an HTTP status is 200..599, got " + status);
        Reply r = new Reply();
        r.status = status;
        r.errorBody = body == null ? "" : body;
        r.rawContentType = Objects.requireNonNull(contentType, "contentType");
        return r;
    }

    /** An HTTP error with OpenAI's error JSON. */
    public static Reply openAiError(int status, String message, String type, String code) {
        return error(status, "{\"error\":{\"message\":" + Json.quote(message) + ",\"type\":" + Json.quote(type)
                + ",\"param\":null,\"code\":" + (code == null ? "null" : Json.quote(code)) + "}}");
    }

    /** An HTTP error with Anthropic's error JSON, e.g. {@code (529, "overloaded_error", "Overloaded")}. */
    public static Reply anthropicError(int status, String type, String message) {
        return error(status, "{\"type\":\"error\",\"error\":{\"type\":" + Json.quote(type) + ",\"message\":" + Json.quote(message) + "}}");
    }

    /** 429 with {@code Retry-After: seconds}. */
    public static Reply rateLimited(int retryAfterSeconds) {
        return openAiError(429, "Rate limit reached, please retry after " + retryAfterSeconds + "s", "rate_limit_exceeded", "rate_limit_exceeded")
                .withHeader("Retry-After", Integer.toString(retryAfterSeconds));
    }

    /** 500 Internal Server Error. */
    public static Reply serverError() {
        return openAiError(500, "The server had an error while processing your request.", "server_error", null);
    }

    /** 401 as OpenAI sends it for a bad key. */
    public static Reply unauthorized() {
        return openAiError(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    }

    /** 404 as OpenAI sends it for an unknown model. */
    public static Reply modelNotFound(String model) {
        return openAiError(404, "The model `" + model + "` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found");
    }

    /** Answers {@code "too late"} only after {@code d}: longer than a client's timeout, it looks like a hung server. */
    public static Reply stall(Duration d) {
        return text("too late").stalledFor(d);
    }

    // ---- modifiers

    public Reply withContent(String text) {
        Reply r = copy();
        r.content = Objects.requireNonNull(text, "text");
        return r;
    }

    /** Reasoning in the {@code reasoning_content} field. */
    public Reply withReasoning(String text) {
        return withReasoning(text, ReasoningShape.REASONING_CONTENT);
    }

    public Reply withReasoning(String text, ReasoningShape shape) {
        Reply r = copy();
        r.reasoning = Objects.requireNonNull(text, "text");
        r.reasoningShape = Objects.requireNonNull(shape, "shape");
        return r;
    }

    public Reply withToolCall(String id, String name, String argumentsJson) {
        Reply r = copy();
        List<ToolCall> l = new ArrayList<>(toolCalls);
        l.add(new ToolCall(id, name, argumentsJson));
        r.toolCalls = List.copyOf(l);
        if (r.finishReason == null) r.finishReason = "tool_calls";
        return r;
    }

    /** The wire finish reason ("stop", "length", "tool_calls"; Anthropic's stand-in maps these to stop reasons). */
    public Reply withFinishReason(String wire) {
        Reply r = copy();
        r.finishReason = wire;
        return r;
    }

    /** Sends no {@code usage} at all (as some servers do). */
    public Reply withoutUsage() {
        Reply r = copy();
        r.reportUsage = false;
        return r;
    }

    /** Reports usage but without {@code completion_tokens_details.reasoning_tokens}. */
    public Reply withoutReasoningTokens() {
        Reply r = copy();
        r.reportReasoningTokens = false;
        return r;
    }

    /** Reports exactly these counts instead of counting the text (per sample; native n sums them). */
    public Reply withUsage(long promptTokens, long completionTokens, long reasoningTokens) {
        Reply r = copy();
        r.usage = new long[] {promptTokens, completionTokens, reasoningTokens};
        return r;
    }

    /** Pause between streamed chunks. */
    public Reply withTokenDelay(Duration d) {
        Reply r = copy();
        r.tokenDelay = Objects.requireNonNull(d);
        return r;
    }

    public Reply withHeader(String name, String value) {
        Reply r = copy();
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        r.headers = Map.copyOf(h);
        return r;
    }

    /** Waits {@code d} before sending the response headers. */
    public Reply stalledFor(Duration d) {
        Reply r = copy();
        r.stall = Objects.requireNonNull(d);
        return r;
    }

    /** Streams {@code chunks} SSE events, then drops the connection without {@code [DONE]} (a stream cut mid-way). */
    public Reply cutAfter(int chunks) {
        if (chunks < 0) throw new IllegalArgumentException("chunks must be >= 0");
        Reply r = copy();
        r.cutAfterChunks = chunks;
        return r;
    }

    /** Streams {@code chunks} SSE events, then goes silent for {@code d} before continuing. */
    public Reply stallAfter(int chunks, Duration d) {
        Reply r = copy();
        r.stallAfterChunks = chunks;
        r.midStreamStall = Objects.requireNonNull(d);
        return r;
    }

    // ---- accessors

    public String content() {
        return content;
    }

    public String reasoning() {
        return reasoning;
    }

    public ReasoningShape reasoningShape() {
        return reasoningShape;
    }

    public List<ToolCall> toolCalls() {
        return toolCalls;
    }

    /** The wire finish reason: as set, else "tool_calls" when there are tool calls, else "stop". */
    public String finishReason() {
        if (finishReason != null) return finishReason;
        return toolCalls.isEmpty() ? "stop" : "tool_calls";
    }

    public boolean reportUsage() {
        return reportUsage;
    }

    public boolean reportReasoningTokens() {
        return reportReasoningTokens;
    }

    /** {prompt, completion, reasoning} as set by {@link #withUsage}, or null to count the text. */
    public long[] usage() {
        return usage == null ? null : usage.clone();
    }

    public Duration tokenDelay() {
        return tokenDelay;
    }

    public int status() {
        return status;
    }

    /** Whether this reply replaces the protocol's answer: an error status, or a {@link #raw} response. */
    public boolean isError() {
        return status != 200 || rawContentType != null;
    }

    /** The content type of a {@link #raw} response (application/json for errors made by the other factories). */
    public String contentType() {
        return rawContentType == null ? "application/json" : rawContentType;
    }

    public String errorBody() {
        return errorBody;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Duration stall() {
        return stall;
    }

    /** Chunks after which the stream is cut, or -1. */
    public int cutAfterChunks() {
        return cutAfterChunks;
    }

    public int stallAfterChunks() {
        return stallAfterChunks;
    }

    public Duration midStreamStall() {
        return midStreamStall;
    }

    @Override
    public String toString() {
        return isError() ? "Reply[" + status + " " + errorBody + "]" : "Reply[" + content + "]";
    }
}
