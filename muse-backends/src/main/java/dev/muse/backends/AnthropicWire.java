package dev.muse.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatRequest;
import dev.muse.core.Choice;
import dev.muse.core.ContentPart;
import dev.muse.core.FinishReason;
import dev.muse.core.ModelException;
import dev.muse.core.Reasoning;
import dev.muse.core.Role;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.TokenEstimator;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.core.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Anthropic Messages wire format. */
final class AnthropicWire {
    private AnthropicWire() {}

    /**
     * The thinking budget for a request, or null for no extended thinking. On without a budget uses the
     * default; an effort alone maps low/medium/high to 2048/8192/24576 tokens ("minimal" means off); a budget
     * alone means on. Budgets below the API's minimum of 1024 are raised to it.
     */
    static Integer thinkingBudget(Reasoning r, int defaultBudget) {
        Integer budget;
        if (r.isOff()) {
            budget = null;
        } else if (r.isOn()) {
            budget = r.budgetTokens() != null ? r.budgetTokens() : defaultBudget;
        } else if (r.budgetTokens() != null) {
            budget = r.budgetTokens();
        } else if (r.effort() != null) {
            budget = switch (r.effort().toLowerCase(Locale.ROOT)) {
                case "minimal", "none" -> null;
                case "low" -> 2048;
                case "high" -> 24576;
                default -> 8192;
            };
        } else {
            budget = null;
        }
        return budget == null ? null : Math.max(budget, AnthropicConfig.MIN_THINKING_BUDGET);
    }

    /**
     * The request body. With thinking on, {@code max_tokens} must exceed the budget: a smaller cap is taken as
     * the answer's share and the budget is added to it; temperature is left out (the API allows only 1) and
     * top_p only when at least 0.95.
     *
     * @param thinkingFor the signed thinking blocks that preceded a tool_use id, to replay with that turn
     */
    static ObjectNode body(ChatRequest r, String model, AnthropicConfig config, boolean stream, Function<String, List<JsonNode>> thinkingFor) {
        ObjectNode b = Wire.MAPPER.createObjectNode();
        b.put("model", model);
        Integer budget = thinkingBudget(r.reasoning(), config.defaultThinkingBudget());
        int maxTokens = r.maxTokens() != null ? r.maxTokens() : config.defaultMaxTokens();
        if (budget != null && maxTokens <= budget) maxTokens = budget + maxTokens;
        b.put("max_tokens", maxTokens);
        StringBuilder system = new StringBuilder();
        ArrayNode messages = Wire.MAPPER.createArrayNode();
        String lastRole = null;
        for (ChatMessage m : r.messages()) {
            if (m.role() == Role.SYSTEM) {
                if (!system.isEmpty()) system.append("\n\n");
                system.append(m.text());
                continue;
            }
            String role = m.role() == Role.ASSISTANT ? "assistant" : "user";
            ArrayNode blocks = Wire.MAPPER.createArrayNode();
            switch (m.role()) {
                case USER -> {
                    for (ContentPart p : m.content()) {
                        switch (p) {
                            case ContentPart.Text t -> {
                                if (!t.text().isEmpty()) blocks.addObject().put("type", "text").put("text", t.text());
                            }
                            case ContentPart.Image i -> {
                                ObjectNode src = blocks.addObject().put("type", "image").putObject("source");
                                if (i.isDataUrl()) src.put("type", "base64").put("media_type", i.mimeType()).put("data", i.base64());
                                else src.put("type", "url").put("url", i.url());
                            }
                        }
                    }
                }
                case ASSISTANT -> {
                    if (!m.toolCalls().isEmpty()) {
                        List<JsonNode> thinking = thinkingFor.apply(m.toolCalls().getFirst().id());
                        if (thinking != null) thinking.forEach(blocks::add);
                    }
                    if (!m.text().isEmpty()) blocks.addObject().put("type", "text").put("text", m.text());
                    for (ToolCall c : m.toolCalls()) {
                        blocks.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name()).set("input", input(c.argumentsJson()));
                    }
                }
                case TOOL -> blocks.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId()).put("content", m.text());
                case SYSTEM -> throw new AssertionError("handled above");
            }
            if (blocks.isEmpty()) continue; // the API rejects empty content
            if (role.equals(lastRole)) {
                ((ArrayNode) messages.get(messages.size() - 1).get("content")).addAll(blocks); // roles must alternate
            } else {
                ObjectNode msg = messages.addObject().put("role", role);
                msg.set("content", blocks);
                lastRole = role;
            }
        }
        if (!system.isEmpty()) b.put("system", system.toString());
        b.set("messages", messages);
        if (budget != null) {
            b.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
            if (r.topP() != null && r.topP() >= 0.95) b.put("top_p", r.topP());
        } else {
            if (r.temperature() != null) b.put("temperature", Math.min(1.0, r.temperature())); // Anthropic's range is 0..1
            if (r.topP() != null) b.put("top_p", r.topP());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode s = b.putArray("stop_sequences");
            r.stop().forEach(s::add);
        }
        if (!r.tools().isEmpty()) {
            ArrayNode tools = b.putArray("tools");
            for (ToolSpec t : r.tools()) {
                ObjectNode o = tools.addObject().put("name", t.name()).put("description", t.description());
                o.set("input_schema", Wire.MAPPER.valueToTree(t.parametersSchema()));
            }
            if (r.toolChoice() != null) {
                switch (r.toolChoice()) {
                    case "auto" -> b.putObject("tool_choice").put("type", "auto");
                    case "none" -> b.putObject("tool_choice").put("type", "none");
                    case "required" -> b.putObject("tool_choice").put("type", "any");
                    default -> b.putObject("tool_choice").put("type", "tool").put("name", r.toolChoice());
                }
            }
        }
        if (stream) b.put("stream", true);
        for (Map.Entry<String, Object> e : r.extra().entrySet()) b.set(e.getKey(), Wire.MAPPER.valueToTree(e.getValue()));
        return b;
    }

    private static JsonNode input(String argumentsJson) {
        try {
            JsonNode n = Wire.MAPPER.readTree(argumentsJson);
            if (n != null && n.isObject()) return n;
        } catch (IOException ignored) {
            // a model's malformed arguments: replay an empty object rather than a request the API rejects
        }
        return Wire.MAPPER.createObjectNode();
    }

    /** A parsed message: the choice, the signed thinking blocks, and usage numbers (-1 when absent). */
    record Parsed(Choice choice, List<JsonNode> thinkingBlocks, long inputTokens, long outputTokens) {}

    static Parsed message(String backend, JsonNode root, StreamListener listener) {
        if (!root.path("content").isArray()) {
            throw new ModelException(backend, ModelException.Kind.PROTOCOL, "the response has no content: " + Errors.shorten(root.toString()), null);
        }
        Blocks blocks = new Blocks(listener, new Transport.Progress());
        int i = 0;
        for (JsonNode block : root.path("content")) {
            blocks.start(i, block);
            switch (block.path("type").asText()) {
                case "text" -> blocks.text(i, block.path("text").asText());
                case "thinking" -> {
                    blocks.thinking(i, block.path("thinking").asText());
                    blocks.signature(i, block.path("signature").asText(""));
                }
                case "tool_use" -> blocks.json(i, block.path("input").toString());
                default -> {}
            }
            blocks.stop(i);
            i++;
        }
        JsonNode u = root.get("usage");
        return blocks.result(root.path("stop_reason").asText(null), inputTokens(u), u == null ? -1 : u.path("output_tokens").asLong(-1));
    }

    private static long inputTokens(JsonNode u) {
        if (u == null || !u.has("input_tokens")) return -1;
        return u.path("input_tokens").asLong(0) + u.path("cache_creation_input_tokens").asLong(0) + u.path("cache_read_input_tokens").asLong(0);
    }

    static Parsed readStream(String backend, InputStream in, Transport.Progress progress, StreamListener listener) throws IOException {
        Blocks blocks = new Blocks(listener, progress);
        long[] usage = {-1, -1};
        String[] stop = {null};
        boolean[] done = {false};
        Wire.readSse(in, (event, data) -> {
            JsonNode e = Wire.parse(backend, data);
            String type = e.path("type").asText(event == null ? "" : event);
            switch (type) {
                case "message_start" -> {
                    JsonNode u = e.path("message").get("usage");
                    if (u != null) {
                        usage[0] = inputTokens(u);
                        usage[1] = u.path("output_tokens").asLong(-1);
                    }
                }
                case "content_block_start" -> {
                    int i = e.path("index").asInt();
                    JsonNode block = e.path("content_block");
                    blocks.start(i, block);
                    if (block.path("type").asText().equals("text")) blocks.text(i, block.path("text").asText());
                }
                case "content_block_delta" -> {
                    int i = e.path("index").asInt();
                    JsonNode d = e.path("delta");
                    switch (d.path("type").asText()) {
                        case "text_delta" -> blocks.text(i, d.path("text").asText());
                        case "thinking_delta" -> blocks.thinking(i, d.path("thinking").asText());
                        case "signature_delta" -> blocks.signature(i, d.path("signature").asText());
                        case "input_json_delta" -> blocks.json(i, d.path("partial_json").asText());
                        default -> {}
                    }
                }
                case "content_block_stop" -> blocks.stop(e.path("index").asInt());
                case "message_delta" -> {
                    if (e.path("delta").hasNonNull("stop_reason")) stop[0] = e.path("delta").path("stop_reason").asText();
                    JsonNode u = e.get("usage");
                    if (u != null && u.has("output_tokens")) usage[1] = u.path("output_tokens").asLong();
                    if (u != null && u.has("input_tokens")) usage[0] = inputTokens(u);
                }
                case "message_stop" -> {
                    done[0] = true;
                    return false;
                }
                case "error" -> {
                    String kind = e.path("error").path("type").asText();
                    String msg = e.path("error").path("message").asText();
                    if (kind.equals("overloaded_error") || kind.equals("api_error")) {
                        throw new Transport.StreamCut("the server reported " + kind + " mid-stream: " + msg);
                    }
                    throw new ModelException(backend, ModelException.Kind.SERVER, "the server reported " + kind + " mid-stream: " + msg, null);
                }
                default -> {} // ping and future event types
            }
            return true;
        });
        if (!done[0]) throw new Transport.StreamCut("the server closed the stream before message_stop");
        return blocks.result(stop[0], usage[0], usage[1]);
    }

    /** Content blocks as they arrive, emitting deltas. */
    private static final class Blocks {
        private final StreamListener listener;
        private final Transport.Progress progress;
        private final TreeMap<Integer, Block> blocks = new TreeMap<>();

        private static final class Block {
            String type;
            String id;
            String name;
            final StringBuilder text = new StringBuilder();
            String signature;
            String data; // redacted_thinking
        }

        Blocks(StreamListener listener, Transport.Progress progress) {
            this.listener = listener;
            this.progress = progress;
        }

        void start(int i, JsonNode block) {
            Block b = new Block();
            b.type = block.path("type").asText();
            b.id = block.path("id").asText(null);
            b.name = block.path("name").asText(null);
            b.data = block.path("data").asText(null);
            blocks.put(i, b);
        }

        private Block get(int i) {
            return blocks.computeIfAbsent(i, k -> {
                Block b = new Block();
                b.type = "text";
                return b;
            });
        }

        void text(int i, String s) {
            if (s.isEmpty()) return;
            get(i).text.append(s);
            progress.streamed();
            listener.on(new StreamEvent.TextDelta(null, 0, s));
        }

        void thinking(int i, String s) {
            if (s.isEmpty()) return;
            get(i).text.append(s);
            progress.streamed();
            listener.on(new StreamEvent.ReasoningDelta(null, 0, s));
        }

        void signature(int i, String s) {
            Block b = get(i);
            b.signature = b.signature == null ? s : b.signature + s;
        }

        void json(int i, String s) {
            get(i).text.append(s);
        }

        void stop(int i) {
            Block b = blocks.get(i);
            if (b != null && b.type.equals("tool_use")) {
                progress.streamed();
                listener.on(new StreamEvent.ToolCallRequested(null, 0, call(b)));
            }
        }

        private static ToolCall call(Block b) {
            String args = b.text.isEmpty() ? "{}" : b.text.toString();
            return new ToolCall(b.id == null ? "toolu_unknown" : b.id, b.name == null ? "" : b.name, args);
        }

        Parsed result(String stopReason, long input, long output) {
            StringBuilder text = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            List<ToolCall> calls = new ArrayList<>();
            List<JsonNode> signed = new ArrayList<>();
            for (Block b : blocks.values()) {
                switch (b.type) {
                    case "text" -> text.append(b.text);
                    case "thinking" -> {
                        if (!reasoning.isEmpty()) reasoning.append("\n");
                        reasoning.append(b.text);
                        signed.add(Wire.MAPPER.createObjectNode().put("type", "thinking").put("thinking", b.text.toString())
                                .put("signature", b.signature == null ? "" : b.signature));
                    }
                    case "redacted_thinking" -> signed.add(Wire.MAPPER.createObjectNode().put("type", "redacted_thinking").put("data", b.data));
                    case "tool_use" -> calls.add(call(b));
                    default -> {}
                }
            }
            Choice c = new Choice(0, text.toString().strip(), reasoning.toString().strip(), calls, FinishReason.fromWire(stopReason));
            return new Parsed(c, signed, input, output);
        }
    }

    /**
     * Usage of one call. Anthropic counts thinking inside {@code output_tokens} but does not report it apart, so
     * reasoning tokens are always estimated from the thinking text (and marked so); with no usage at all,
     * everything is estimated.
     */
    static Usage usage(Parsed p, ChatRequest request) {
        Choice c = p.choice();
        long reasoning = c.reasoning().isEmpty() ? 0 : TokenEstimator.estimate(c.reasoning());
        long output = p.outputTokens();
        long input = p.inputTokens();
        boolean estimated = reasoning > 0;
        if (output < 0) {
            output = reasoning + TokenEstimator.estimate(c.text());
            for (ToolCall tc : c.toolCalls()) output += TokenEstimator.estimate(tc.name() + tc.argumentsJson());
            output = Math.max(1, output);
            estimated = true;
        }
        if (input < 0) {
            input = Wire.estimateInput(request);
            estimated = true;
        }
        return Usage.of(input, Math.max(output, reasoning), Math.min(reasoning, Math.max(output, reasoning)), estimated);
    }
}
