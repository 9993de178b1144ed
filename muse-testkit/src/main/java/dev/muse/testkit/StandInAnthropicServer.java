package dev.muse.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.muse.core.TokenEstimator;
import dev.muse.core.ToolCall;
import java.io.IOException;

/**
 * A real HTTP server on 127.0.0.1 that speaks Anthropic's Messages API ({@code POST /v1/messages}, plain JSON or
 * SSE with {@code message_start}, {@code content_block_start/delta/stop}, {@code message_delta},
 * {@code message_stop}), scripted by the same {@link Responder}s and {@link Reply}s as the OpenAI stand-in.
 *
 * <p>A reply's reasoning becomes a {@code thinking} block (with a signature) when the request enabled thinking,
 * its tool calls {@code tool_use} blocks. Like the real API it rejects requests without {@code x-api-key} (when
 * one is required) or {@code anthropic-version}, without {@code max_tokens}, with a thinking budget under 1024 or
 * not below {@code max_tokens}, with a temperature other than 1 while thinking, and a tool-use turn replayed
 * without its thinking block while thinking. There is no {@code n}: each request is one sample.
 */
public final class StandInAnthropicServer extends StandInServer {
    /** The signature the stand-in puts on thinking blocks; a client must send it back unchanged. */
    public static final String SIGNATURE = "stand-in-signature";

    private volatile String requiredApiKey;

    private StandInAnthropicServer(Responder responder) {
        super(responder);
        route("/v1/messages", this::messages);
    }

    public static StandInAnthropicServer start(Responder responder) {
        StandInAnthropicServer s = new StandInAnthropicServer(responder);
        s.start();
        return s;
    }

    /** {@code http://127.0.0.1:PORT} — Anthropic's base URL has no {@code /v1}; clients add {@code /v1/messages}. */
    public String baseUrl() {
        return origin();
    }

    /** Requires {@code x-api-key: key}; other requests get Anthropic's 401. */
    public StandInAnthropicServer requireApiKey(String key) {
        this.requiredApiKey = key;
        return this;
    }

    private void messages(HttpExchange ex) throws IOException, InterruptedException {
        RecordedRequest req = record(ex);
        if (req == null) return;
        String key = requiredApiKey;
        if (key != null && !key.equals(req.header("x-api-key"))) {
            reject(ex, Reply.anthropicError(401, "authentication_error", "invalid x-api-key"));
            return;
        }
        String problem = invalid(req);
        if (problem != null) {
            reject(ex, Reply.anthropicError(400, "invalid_request_error", problem));
            return;
        }
        Reply reply = replies(req, 1).getFirst();
        if (fault(ex, reply)) return;
        boolean thinking = req.body().path("thinking").path("type").asText().equals("enabled");
        String id = nextId("msg_standin_");
        if (req.stream()) {
            stream(ex, req, reply, thinking, id);
        } else {
            sendJson(ex, 200, Json.write(message(req, reply, thinking, id)), reply.headers());
        }
    }

    private static void reject(HttpExchange ex, Reply r) throws IOException {
        sendJson(ex, r.status(), r.errorBody(), r.headers());
    }

    /** The request checks the real API makes that a client is likely to get wrong. */
    private static String invalid(RecordedRequest req) {
        JsonNode b = req.body();
        if (req.header("anthropic-version") == null) return "anthropic-version: header is required";
        if (!b.path("max_tokens").isNumber()) return "max_tokens: Field required";
        JsonNode thinking = b.get("thinking");
        if (thinking != null && thinking.path("type").asText().equals("enabled")) {
            int budget = thinking.path("budget_tokens").asInt(0);
            if (budget < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
            if (b.path("max_tokens").asInt() <= budget) return "`max_tokens` must be greater than `thinking.budget_tokens`";
            if (b.has("temperature") && b.path("temperature").asDouble() != 1.0) {
                return "`temperature` may only be set to 1 when thinking is enabled";
            }
            JsonNode msgs = b.path("messages");
            JsonNode last = msgs.isEmpty() ? null : msgs.get(msgs.size() - 1);
            JsonNode lastAssistant = last != null && last.path("role").asText().equals("user") && msgs.size() > 1 ? msgs.get(msgs.size() - 2) : null;
            if (lastAssistant != null && lastAssistant.path("role").asText().equals("assistant")) {
                JsonNode content = lastAssistant.path("content");
                boolean usesTools = false;
                for (JsonNode blk : content) usesTools |= blk.path("type").asText().equals("tool_use");
                if (usesTools && !(content.isArray() && content.get(0).path("type").asText().equals("thinking")
                        && SIGNATURE.equals(content.get(0).path("signature").asText()))) {
                    return "messages." + (msgs.size() - 2) + ".content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`."
                            + " When `thinking` is enabled, a final `assistant` message must start with a thinking block";
                }
            }
        }
        for (JsonNode m : b.path("messages")) {
            String role = m.path("role").asText();
            if (!role.equals("user") && !role.equals("assistant")) return "messages: roles must be user or assistant, got " + role;
        }
        return null;
    }

    private static String stopReason(Reply r) {
        return switch (r.finishReason()) {
            case "tool_calls" -> "tool_use";
            case "length" -> "max_tokens";
            default -> "end_turn";
        };
    }

    private ObjectNode message(RecordedRequest req, Reply r, boolean thinking, String id) {
        ObjectNode m = Json.object().put("id", id).put("type", "message").put("role", "assistant").put("model", req.model());
        ArrayNode content = m.putArray("content");
        if (thinking && !r.reasoning().isEmpty()) content.addObject().put("type", "thinking").put("thinking", r.reasoning()).put("signature", SIGNATURE);
        if (!r.content().isEmpty()) content.addObject().put("type", "text").put("text", r.content());
        for (ToolCall tc : r.toolCalls()) {
            content.addObject().put("type", "tool_use").put("id", tc.id()).put("name", tc.name()).set("input", input(tc));
        }
        m.put("stop_reason", stopReason(r));
        m.putNull("stop_sequence");
        long[] u = usage(req, r, thinking);
        if (r.reportUsage()) m.putObject("usage").put("input_tokens", u[0]).put("output_tokens", u[1]);
        return m;
    }

    private void stream(HttpExchange ex, RecordedRequest req, Reply r, boolean thinking, String id) throws IOException, InterruptedException {
        Sse sse = new Sse(ex, r);
        long[] u = usage(req, r, thinking);
        ObjectNode start = Json.object().put("type", "message_start");
        ObjectNode msg = start.putObject("message").put("id", id).put("type", "message").put("role", "assistant").put("model", req.model());
        msg.putArray("content");
        msg.putNull("stop_reason");
        if (r.reportUsage()) msg.putObject("usage").put("input_tokens", u[0]).put("output_tokens", 1);
        sse.event("message_start", Json.write(start));
        sse.event("ping", "{\"type\":\"ping\"}");
        int index = 0;
        if (thinking && !r.reasoning().isEmpty()) {
            blockStart(sse, index, Json.object().put("type", "thinking").put("thinking", ""));
            for (String p : pieces(r.reasoning())) delta(sse, index, Json.object().put("type", "thinking_delta").put("thinking", p));
            delta(sse, index, Json.object().put("type", "signature_delta").put("signature", SIGNATURE));
            blockStop(sse, index++);
        }
        if (!r.content().isEmpty()) {
            blockStart(sse, index, Json.object().put("type", "text").put("text", ""));
            for (String p : pieces(r.content())) delta(sse, index, Json.object().put("type", "text_delta").put("text", p));
            blockStop(sse, index++);
        }
        for (ToolCall tc : r.toolCalls()) {
            ObjectNode block = Json.object().put("type", "tool_use").put("id", tc.id()).put("name", tc.name());
            block.putObject("input");
            blockStart(sse, index, block);
            String args = Json.write(input(tc));
            int step = Math.max(1, (args.length() + 2) / 3);
            for (int at = 0; at < args.length(); at += step) {
                delta(sse, index, Json.object().put("type", "input_json_delta").put("partial_json", args.substring(at, Math.min(args.length(), at + step))));
            }
            blockStop(sse, index++);
        }
        ObjectNode md = Json.object().put("type", "message_delta");
        md.putObject("delta").put("stop_reason", stopReason(r)).putNull("stop_sequence");
        if (r.reportUsage()) md.putObject("usage").put("output_tokens", u[1]);
        sse.event("message_delta", Json.write(md));
        sse.event("message_stop", "{\"type\":\"message_stop\"}");
        sse.finish(null);
    }

    private static void blockStart(Sse sse, int index, ObjectNode block) throws IOException, InterruptedException {
        ObjectNode e = Json.object().put("type", "content_block_start").put("index", index);
        e.set("content_block", block);
        sse.event("content_block_start", Json.write(e));
    }

    private static void delta(Sse sse, int index, ObjectNode delta) throws IOException, InterruptedException {
        ObjectNode e = Json.object().put("type", "content_block_delta").put("index", index);
        e.set("delta", delta);
        sse.event("content_block_delta", Json.write(e));
    }

    private static void blockStop(Sse sse, int index) throws IOException, InterruptedException {
        sse.event("content_block_stop", Json.write(Json.object().put("type", "content_block_stop").put("index", index)));
    }

    private static JsonNode input(ToolCall tc) {
        try {
            return Json.MAPPER.readTree(tc.argumentsJson());
        } catch (IOException e) {
            throw new IllegalArgumentException("Anthropic tool_use input must be a JSON object; the reply's arguments are not: " + tc.argumentsJson());
        }
    }

    /** {input, output}: counted from the text unless the reply fixes them (output includes thinking). */
    private static long[] usage(RecordedRequest req, Reply r, boolean thinking) {
        long[] fixed = r.usage();
        if (fixed != null) return new long[] {fixed[0], fixed[1]};
        long out = TokenEstimator.estimate(r.content()) + (thinking ? TokenEstimator.estimate(r.reasoning()) : 0);
        for (ToolCall tc : r.toolCalls()) out += TokenEstimator.estimate(tc.name() + tc.argumentsJson());
        return new long[] {TokenEstimator.estimate(req.allText()), Math.max(1, out)};
    }
}
