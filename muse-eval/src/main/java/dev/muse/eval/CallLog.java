package dev.muse.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Capabilities;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * The model as one sample sees it: every backend call goes through here and is written down in full (prompt,
 * parameters, outputs, usage, latency, whether it came from the cache), and answered from the response cache
 * when the same request was made before. One per sample, so calls from Contemplating's agent threads land in
 * the right sample without thread-locals.
 */
final class CallLog implements ChatModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatModel inner;
    private final ResponseCache cache;
    private final List<ObjectNode> calls = new ArrayList<>();

    CallLog(ChatModel inner, ResponseCache cache) {
        this.inner = inner;
        this.cache = cache;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Capabilities capabilities() {
        return inner.capabilities();
    }

    @Override
    public ChatResponse generate(ChatRequest request, StreamListener listener) {
        StreamListener l = listener == null ? StreamListener.NONE : listener;
        String key = cache == null ? null : cache.keyFor(inner.name(), request);
        ChatResponse hit = key == null ? null : cache.get(key);
        if (hit != null) {
            replay(hit, l);
            record(request, hit, null, hit.latencyMillis(), true);
            return hit;
        }
        long t0 = System.nanoTime();
        try {
            ChatResponse r = inner.generate(request, l);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (key != null) cache.put(key, r);
            record(request, r, null, ms, false);
            return r;
        } catch (RuntimeException e) {
            record(request, null, e.getMessage(), (System.nanoTime() - t0) / 1_000_000, false);
            throw e;
        }
    }

    /** A cached response arrives as a live one would: its deltas, then one usage report. */
    private static void replay(ChatResponse r, StreamListener l) {
        for (Choice c : r.choices()) {
            if (!c.reasoning().isEmpty()) l.on(new StreamEvent.ReasoningDelta(null, c.index(), c.reasoning()));
            if (!c.text().isEmpty()) l.on(new StreamEvent.TextDelta(null, c.index(), c.text()));
            for (ToolCall t : c.toolCalls()) l.on(new StreamEvent.ToolCallRequested(null, c.index(), t));
        }
        l.on(new StreamEvent.UsageReport(null, r.usage()));
    }

    private void record(ChatRequest req, ChatResponse r, String error, long ms, boolean cached) {
        ObjectNode n = JSON.createObjectNode();
        n.put("backend", inner.name());
        ArrayNode prompt = n.putArray("prompt");
        for (ChatMessage m : req.messages()) {
            ObjectNode o = prompt.addObject().put("role", m.role().name().toLowerCase(java.util.Locale.ROOT)).put("content", m.text());
            if (m.reasoning() != null && !m.reasoning().isEmpty()) o.put("reasoning", m.reasoning());
            if (!m.toolCalls().isEmpty()) {
                ArrayNode tc = o.putArray("tool_calls");
                for (ToolCall t : m.toolCalls()) tc.addObject().put("id", t.id()).put("name", t.name()).put("arguments", t.argumentsJson());
            }
            if (m.toolCallId() != null) o.put("tool_call_id", m.toolCallId());
        }
        ObjectNode params = n.putObject("params");
        if (req.maxTokens() != null) params.put("max_tokens", req.maxTokens());
        if (req.temperature() != null) params.put("temperature", req.temperature());
        if (req.seed() != null) params.put("seed", req.seed());
        params.put("n", req.n());
        params.put("reasoning", String.valueOf(req.reasoning()));
        if (!req.tools().isEmpty()) params.put("tools", req.tools().size());
        if (r != null) {
            ObjectNode resp = ResponseCache.toJson(r);
            n.set("outputs", resp.get("choices"));
            n.set("usage", resp.get("usage"));
        } else {
            n.putArray("outputs");
            n.set("usage", ResponseCache.usageJson(dev.muse.core.Usage.ZERO));
        }
        n.put("latency_ms", ms);
        n.put("cached", cached);
        if (error != null) n.put("error", error);
        synchronized (calls) {
            n.put("seq", calls.size() + 1);
            calls.add(n);
        }
    }

    List<ObjectNode> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }
}
