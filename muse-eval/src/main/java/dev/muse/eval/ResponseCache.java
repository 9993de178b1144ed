package dev.muse.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.ContentPart;
import dev.muse.core.FinishReason;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.core.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Responses keyed by the request that produced them (backend name, messages and every sampling parameter), kept
 * in an append-only JSONL file so a re-run of the same evaluation makes no backend call.
 *
 * <p>The k-th identical request of a run gets the k-th recorded response: identical requests made on purpose
 * (several samples of one prompt) stay distinct samples rather than collapsing into one.
 */
final class ResponseCache implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ChatResponse> entries = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> occurrences = new ConcurrentHashMap<>();
    private final JsonlFile file;
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger misses = new AtomicInteger();

    ResponseCache(Path path) {
        this.file = JsonlFile.open(path, line -> {
            try {
                entries.putIfAbsent(line.get("key").asText(), fromJson(line.get("response")));
            } catch (RuntimeException e) {
                // an entry from an older format: a miss, never an error
            }
        });
    }

    /** The key for the next occurrence of this request. */
    String keyFor(String backend, ChatRequest request) {
        String base = digest(canonical(backend, request));
        int k = occurrences.computeIfAbsent(base, x -> new AtomicInteger()).getAndIncrement();
        return base + "#" + k;
    }

    ChatResponse get(String key) {
        ChatResponse r = entries.get(key);
        if (r == null) misses.incrementAndGet();
        else hits.incrementAndGet();
        return r;
    }

    void put(String key, ChatResponse response) {
        if (entries.putIfAbsent(key, response) == null) {
            ObjectNode line = JSON.createObjectNode();
            line.put("key", key);
            line.set("response", toJson(response));
            file.append(line);
        }
    }

    int hits() {
        return hits.get();
    }

    int misses() {
        return misses.get();
    }

    @Override
    public void close() {
        file.close();
    }

    static String canonical(String backend, ChatRequest r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("backend", backend);
        ArrayNode msgs = n.putArray("messages");
        for (ChatMessage m : r.messages()) {
            ObjectNode o = msgs.addObject();
            o.put("role", m.role().name());
            ArrayNode parts = o.putArray("content");
            for (ContentPart p : m.content()) {
                switch (p) {
                    case ContentPart.Text t -> parts.add(t.text());
                    case ContentPart.Image i -> parts.add("image:" + digest(i.url()));
                }
            }
            ArrayNode calls = o.putArray("tool_calls");
            for (ToolCall c : m.toolCalls()) calls.add(c.id() + "|" + c.name() + "|" + c.argumentsJson());
            o.put("tool_call_id", m.toolCallId());
            o.put("name", m.name());
            o.put("reasoning", m.reasoning());
        }
        n.put("model", r.model());
        n.put("max_tokens", r.maxTokens());
        n.put("temperature", r.temperature());
        n.put("top_p", r.topP());
        n.put("seed", r.seed());
        n.put("stop", String.join("\u0000", r.stop()));
        n.put("n", r.n());
        ArrayNode tools = n.putArray("tools");
        for (ToolSpec t : r.tools()) tools.add(t.name() + "|" + t.description() + "|" + JSON.valueToTree(t.parametersSchema()));
        n.put("tool_choice", r.toolChoice());
        n.put("reasoning", String.valueOf(r.reasoning()));
        n.set("extra", JSON.valueToTree(new java.util.TreeMap<>(r.extra())));
        return n.toString();
    }

    static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode toJson(ChatResponse r) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode choices = n.putArray("choices");
        for (Choice c : r.choices()) {
            ObjectNode o = choices.addObject();
            o.put("index", c.index());
            o.put("text", c.text());
            o.put("reasoning", c.reasoning());
            o.put("finish", c.finishReason().name());
            ArrayNode calls = o.putArray("tool_calls");
            for (ToolCall t : c.toolCalls()) calls.addObject().put("id", t.id()).put("name", t.name()).put("arguments", t.argumentsJson());
        }
        n.set("usage", usageJson(r.usage()));
        n.put("model", r.model());
        n.put("latency_ms", r.latencyMillis());
        return n;
    }

    static ObjectNode usageJson(Usage u) {
        ObjectNode n = JSON.createObjectNode();
        n.put("input_tokens", u.inputTokens());
        n.put("output_tokens", u.outputTokens());
        n.put("reasoning_tokens", u.reasoningTokens());
        n.put("reasoning_estimated", u.reasoningEstimated());
        n.put("calls", u.calls());
        return n;
    }

    static Usage usageFrom(JsonNode n) {
        if (n == null || n.isNull()) return Usage.ZERO;
        return new Usage(n.path("input_tokens").asLong(), n.path("output_tokens").asLong(), n.path("reasoning_tokens").asLong(),
                n.path("reasoning_estimated").asBoolean(), n.path("calls").asInt());
    }

    static ChatResponse fromJson(JsonNode n) {
        List<Choice> choices = new ArrayList<>();
        for (JsonNode c : n.get("choices")) {
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode t : c.path("tool_calls")) calls.add(new ToolCall(t.get("id").asText(), t.get("name").asText(), t.path("arguments").asText()));
            choices.add(new Choice(c.path("index").asInt(), c.path("text").asText(), c.path("reasoning").asText(), calls,
                    FinishReason.valueOf(c.path("finish").asText("STOP"))));
        }
        return new ChatResponse(choices, usageFrom(n.get("usage")), n.path("model").asText(null), n.path("latency_ms").asLong());
    }

    static void ioFailure(IOException e, Path p) {
        throw new EvalException("cannot write " + p + ": " + e.getMessage() + " (check the --out folder is writable and the disk is not full)", e);
    }
}
