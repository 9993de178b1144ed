package dev.muse.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.muse.core.TokenEstimator;
import dev.muse.core.ToolCall;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks OpenAI's chat completions protocol, scripted by a
 * {@link Responder}, so the real client code runs against it in tests.
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: plain JSON, or SSE when {@code stream: true} — {@code data: {chunk}}
 *       events (first delta carries the role, one id across chunks, choices interleaved for {@code n > 1}, tool
 *       call arguments in fragments), a final usage chunk when {@code stream_options.include_usage} is true, and
 *       {@code data: [DONE]}.
 *   <li>{@code GET /v1/models}: the models set with {@link #models} (default "stand-in").
 * </ul>
 *
 * Usage is counted from the text with {@link TokenEstimator} unless a reply sets it; with native {@code n} the
 * prompt counts once and completions add up.
 *
 * <pre>{@code
 * try (var server = StandInOpenAiServer.start(req -> Reply.text("4"))) {
 *     var model = new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), "key", "stand-in"));
 *     ...
 *     assertThat(server.requests()).hasSize(1);
 * }
 * }</pre>
 */
public final class StandInOpenAiServer extends StandInServer {

    private volatile NSupport nSupport = NSupport.NATIVE;
    private volatile List<String> models = List.of("stand-in");
    private volatile boolean checkModels;
    private volatile String requiredApiKey;
    private volatile boolean streaming = true;

    private StandInOpenAiServer(Responder responder) {
        super(responder);
        route("/v1/chat/completions", this::chat);
        route("/v1/models", this::models);
    }

    /** Starts a server on a random loopback port. Close it when done. */
    public static StandInOpenAiServer start(Responder responder) {
        StandInOpenAiServer s = new StandInOpenAiServer(responder);
        s.start();
        return s;
    }

    /** {@code http://127.0.0.1:PORT/v1} — what a client takes as its base URL. */
    public String baseUrl() {
        return origin() + "/v1";
    }

    /** How {@code n > 1} is treated (default NATIVE). */
    public StandInOpenAiServer nSupport(NSupport support) {
        this.nSupport = Objects.requireNonNull(support);
        return this;
    }

    /** The models {@code GET /v1/models} lists; once set, a request for any other model gets OpenAI's 404. */
    public StandInOpenAiServer models(String... ids) {
        this.models = List.of(ids);
        this.checkModels = true;
        return this;
    }

    /** With false, answers {@code stream: true} with one plain JSON object, as some proxies do (default true). */
    public StandInOpenAiServer streaming(boolean supported) {
        this.streaming = supported;
        return this;
    }

    /** Requires {@code Authorization: Bearer key}; other requests get OpenAI's 401. */
    public StandInOpenAiServer requireApiKey(String key) {
        this.requiredApiKey = key;
        return this;
    }

    private boolean authorized(HttpExchange ex) {
        String key = requiredApiKey;
        return key == null || ("Bearer " + key).equals(ex.getRequestHeaders().getFirst("Authorization"));
    }

    private void models(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            Reply u = Reply.unauthorized();
            sendJson(ex, u.status(), u.errorBody(), u.headers());
            return;
        }
        ObjectNode root = Json.object().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : models) data.addObject().put("id", id).put("object", "model").put("owned_by", "stand-in");
        sendJson(ex, 200, Json.write(root), Map.of());
    }

    private void chat(HttpExchange ex) throws IOException, InterruptedException {
        if (!ex.getRequestMethod().equals("POST")) {
            sendJson(ex, 405, "{\"error\":{\"message\":\"use POST\",\"type\":\"invalid_request_error\"}}", Map.of());
            return;
        }
        RecordedRequest req = record(ex);
        if (req == null) return;
        if (!authorized(ex)) {
            Reply u = Reply.unauthorized();
            sendJson(ex, u.status(), u.errorBody(), u.headers());
            return;
        }
        if (checkModels && !models.contains(req.model())) {
            Reply m = Reply.modelNotFound(req.model());
            sendJson(ex, m.status(), m.errorBody(), m.headers());
            return;
        }
        int n = req.n();
        if (n > 1 && nSupport == NSupport.REJECTED) {
            Reply r = Reply.openAiError(400, "Only one completion choice is allowed ('n' must be 1)", "invalid_request_error", null);
            sendJson(ex, r.status(), r.errorBody(), r.headers());
            return;
        }
        List<Reply> replies = replies(req, nSupport == NSupport.NATIVE ? n : 1);
        if (fault(ex, replies.getFirst())) return;
        String id = nextId("chatcmpl-standin-");
        if (req.stream() && streaming) {
            stream(ex, req, replies, id);
        } else {
            sendJson(ex, 200, Json.write(completion(req, replies, id)), replies.getFirst().headers());
        }
    }

    private ObjectNode completion(RecordedRequest req, List<Reply> replies, String id) {
        ObjectNode root = Json.object().put("id", id).put("object", "chat.completion").put("created", created()).put("model", req.model());
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < replies.size(); i++) {
            Reply r = replies.get(i);
            ObjectNode c = choices.addObject().put("index", i);
            ObjectNode msg = c.putObject("message").put("role", "assistant");
            String content = visibleContent(r);
            if (content.isEmpty() && !r.toolCalls().isEmpty()) msg.putNull("content");
            else msg.put("content", content);
            if (!r.reasoning().isEmpty()) {
                switch (r.reasoningShape()) {
                    case REASONING_CONTENT -> msg.put("reasoning_content", r.reasoning());
                    case REASONING -> msg.put("reasoning", r.reasoning());
                    case THINK_TAGS -> {} // already inside content
                }
            }
            if (!r.toolCalls().isEmpty()) {
                ArrayNode tcs = msg.putArray("tool_calls");
                for (ToolCall tc : r.toolCalls()) {
                    tcs.addObject().put("id", tc.id()).put("type", "function")
                            .putObject("function").put("name", tc.name()).put("arguments", tc.argumentsJson());
                }
            }
            c.put("finish_reason", r.finishReason());
        }
        if (replies.getFirst().reportUsage()) root.set("usage", usage(req, replies));
        return root;
    }

    private void stream(HttpExchange ex, RecordedRequest req, List<Reply> replies, String id) throws IOException, InterruptedException {
        // build each choice's deltas, then interleave them as a server decoding n sequences together would
        List<List<ObjectNode>> perChoice = new ArrayList<>();
        for (int i = 0; i < replies.size(); i++) perChoice.add(deltas(i, replies.get(i)));
        Reply pace = replies.getFirst();
        Sse sse = new Sse(ex, pace);
        long created = created();
        int longest = perChoice.stream().mapToInt(List::size).max().orElse(0);
        for (int step = 0; step < longest; step++) {
            for (List<ObjectNode> choice : perChoice) {
                if (step >= choice.size()) continue;
                ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", req.model());
                chunk.putArray("choices").add(choice.get(step));
                sse.data(Json.write(chunk));
            }
        }
        if (req.body().path("stream_options").path("include_usage").asBoolean(false) && pace.reportUsage()) {
            ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", req.model());
            chunk.putArray("choices");
            chunk.set("usage", usage(req, replies));
            sse.data(Json.write(chunk));
        }
        sse.finish("data: [DONE]\n\n");
    }

    private static List<ObjectNode> deltas(int index, Reply r) {
        List<ObjectNode> out = new ArrayList<>();
        ObjectNode first = choice(index);
        first.putObject("delta").put("role", "assistant").put("content", "");
        out.add(first);
        if (!r.reasoning().isEmpty() && r.reasoningShape() != ReasoningShape.THINK_TAGS) {
            String field = r.reasoningShape() == ReasoningShape.REASONING ? "reasoning" : "reasoning_content";
            for (String p : pieces(r.reasoning())) {
                ObjectNode c = choice(index);
                c.putObject("delta").put(field, p);
                out.add(c);
            }
        }
        for (String p : pieces(visibleContent(r))) {
            ObjectNode c = choice(index);
            c.putObject("delta").put("content", p);
            out.add(c);
        }
        for (int k = 0; k < r.toolCalls().size(); k++) {
            ToolCall tc = r.toolCalls().get(k);
            ObjectNode head = choice(index);
            ObjectNode call = head.putObject("delta").putArray("tool_calls").addObject().put("index", k).put("id", tc.id()).put("type", "function");
            call.putObject("function").put("name", tc.name()).put("arguments", "");
            out.add(head);
            String args = tc.argumentsJson();
            int step = Math.max(1, (args.length() + 2) / 3);
            for (int at = 0; at < args.length(); at += step) {
                ObjectNode c = choice(index);
                c.putObject("delta").putArray("tool_calls").addObject().put("index", k)
                        .putObject("function").put("arguments", args.substring(at, Math.min(args.length(), at + step)));
                out.add(c);
            }
        }
        ObjectNode last = choice(index);
        last.putObject("delta");
        last.put("finish_reason", r.finishReason());
        out.add(last);
        return out;
    }

    private static ObjectNode choice(int index) {
        ObjectNode c = Json.object().put("index", index);
        c.putNull("finish_reason");
        return c;
    }

    /** The content as sent: with inline {@code <think>} reasoning in front when that is the shape. */
    private static String visibleContent(Reply r) {
        if (r.reasoningShape() == ReasoningShape.THINK_TAGS && !r.reasoning().isEmpty()) {
            return "<think>\n" + r.reasoning() + "\n</think>\n\n" + r.content();
        }
        return r.content();
    }

    private static ObjectNode usage(RecordedRequest req, List<Reply> replies) {
        long[] fixed = replies.getFirst().usage();
        long prompt = fixed != null ? fixed[0] : TokenEstimator.estimate(req.allText());
        long completion = 0;
        long reasoning = 0;
        for (Reply r : replies) {
            long[] u = r.usage();
            if (u != null) {
                completion += u[1];
                reasoning += u[2];
            } else {
                long calls = 0;
                for (ToolCall tc : r.toolCalls()) calls += TokenEstimator.estimate(tc.name() + tc.argumentsJson());
                long think = TokenEstimator.estimate(r.reasoning());
                completion += Math.max(1, TokenEstimator.estimate(r.content()) + think + calls);
                reasoning += think;
            }
        }
        ObjectNode u = Json.object().put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        if (replies.getFirst().reportReasoningTokens()) u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        return u;
    }

    private static long created() {
        return System.currentTimeMillis() / 1000;
    }
}
