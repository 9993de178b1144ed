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
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ThinkTags;
import dev.muse.core.TokenEstimator;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.core.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** OpenAI chat-completions wire format: request bodies out, responses and SSE chunks in. */
final class OpenAiWire {
    private OpenAiWire() {}

    /**
     * The request body. Reasoning: {@code effort} goes out as {@code reasoning_effort}; on/off goes out as
     * {@code chat_template_kwargs.enable_thinking} (vLLM, llama.cpp and SGLang pass it to hybrid-thinking
     * templates such as Qwen3's) unless the server is OpenAI itself or has rejected it before.
     */
    static ObjectNode body(ChatRequest r, String model, int n, boolean stream, boolean templateKwargs, boolean openAiItself) {
        ObjectNode b = Wire.MAPPER.createObjectNode();
        b.put("model", model);
        ArrayNode messages = b.putArray("messages");
        for (ChatMessage m : r.messages()) messages.add(message(m));
        if (n > 1) b.put("n", n);
        if (stream) {
            b.put("stream", true);
            b.putObject("stream_options").put("include_usage", true);
        }
        // OpenAI's reasoning models take only max_completion_tokens; other servers know max_tokens best
        if (r.maxTokens() != null) b.put(openAiItself ? "max_completion_tokens" : "max_tokens", r.maxTokens());
        if (r.temperature() != null) b.put("temperature", r.temperature());
        if (r.topP() != null) b.put("top_p", r.topP());
        if (r.seed() != null) b.put("seed", r.seed());
        if (!r.stop().isEmpty()) {
            ArrayNode s = b.putArray("stop");
            r.stop().forEach(s::add);
        }
        if (!r.tools().isEmpty()) {
            ArrayNode tools = b.putArray("tools");
            for (ToolSpec t : r.tools()) {
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", t.name()).put("description", t.description());
                fn.set("parameters", Wire.MAPPER.valueToTree(t.parametersSchema()));
            }
            if (r.toolChoice() != null) {
                switch (r.toolChoice()) {
                    case "auto", "none", "required" -> b.put("tool_choice", r.toolChoice());
                    default -> b.putObject("tool_choice").put("type", "function").putObject("function").put("name", r.toolChoice());
                }
            }
        }
        if (r.reasoning().effort() != null) b.put("reasoning_effort", r.reasoning().effort());
        if (templateKwargs && r.reasoning().enabled() != null) {
            b.putObject("chat_template_kwargs").put("enable_thinking", r.reasoning().enabled());
        }
        for (Map.Entry<String, Object> e : r.extra().entrySet()) {
            JsonNode v = Wire.MAPPER.valueToTree(e.getValue());
            if (b.get(e.getKey()) instanceof ObjectNode mine && v instanceof ObjectNode theirs) {
                mine.setAll(theirs); // e.g. more chat_template_kwargs
            } else {
                b.set(e.getKey(), v);
            }
        }
        return b;
    }

    static ObjectNode message(ChatMessage m) {
        ObjectNode o = Wire.MAPPER.createObjectNode();
        switch (m.role()) {
            case SYSTEM -> o.put("role", "system").put("content", m.text());
            case USER -> {
                o.put("role", "user");
                if (!m.hasImages()) {
                    o.put("content", m.text());
                } else {
                    ArrayNode parts = o.putArray("content");
                    for (ContentPart p : m.content()) {
                        switch (p) {
                            case ContentPart.Text t -> parts.addObject().put("type", "text").put("text", t.text());
                            case ContentPart.Image i -> {
                                ObjectNode url = parts.addObject().put("type", "image_url").putObject("image_url").put("url", i.url());
                                if (i.detail() != null) url.put("detail", i.detail());
                            }
                        }
                    }
                }
            }
            case ASSISTANT -> {
                o.put("role", "assistant");
                String text = m.text();
                if (text.isEmpty() && !m.toolCalls().isEmpty()) o.putNull("content");
                else o.put("content", text);
                if (!m.toolCalls().isEmpty()) {
                    ArrayNode calls = o.putArray("tool_calls");
                    for (ToolCall c : m.toolCalls()) {
                        calls.addObject().put("id", c.id()).put("type", "function")
                                .putObject("function").put("name", c.name()).put("arguments", c.argumentsJson());
                    }
                }
            }
            case TOOL -> o.put("role", "tool").put("tool_call_id", m.toolCallId()).put("content", m.text());
        }
        return o;
    }

    /** A complete (non-streamed) response. */
    static List<Choice> choices(String backend, JsonNode root, StreamListener listener) {
        JsonNode arr = root.get("choices");
        if (arr == null || !arr.isArray() || arr.isEmpty()) {
            throw new ModelException(backend, ModelException.Kind.PROTOCOL, "the response has no choices: " + Errors.shorten(root.toString()), null);
        }
        List<Choice> out = new ArrayList<>();
        int position = 0;
        for (JsonNode c : arr) {
            int index = c.path("index").asInt(position++);
            JsonNode msg = c.path("message");
            String content = contentText(msg.get("content"));
            String reasoning = reasoningField(msg);
            String[] split = ThinkTags.split(content);
            String[] orphan = orphanClose(split[1]);
            String inline = join(split[0], orphan[0]);
            if (!inline.isEmpty()) reasoning = reasoning.isEmpty() ? inline : reasoning + "\n" + inline;
            String answer = orphan[1];
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode tc : msg.path("tool_calls")) {
                JsonNode fn = tc.path("function");
                calls.add(new ToolCall(tc.path("id").asText("call_" + calls.size()), fn.path("name").asText(), argumentsText(fn.get("arguments"))));
            }
            if (!reasoning.isEmpty()) listener.on(new StreamEvent.ReasoningDelta(null, index, reasoning));
            if (!answer.isEmpty()) listener.on(new StreamEvent.TextDelta(null, index, answer));
            for (ToolCall tc : calls) listener.on(new StreamEvent.ToolCallRequested(null, index, tc));
            out.add(new Choice(index, answer, reasoning.strip(), calls, FinishReason.fromWire(c.path("finish_reason").asText(null))));
        }
        out.sort(java.util.Comparator.comparingInt(Choice::index));
        return out;
    }

    private static String reasoningField(JsonNode msg) {
        for (String f : new String[] {"reasoning_content", "reasoning"}) {
            JsonNode r = msg.get(f);
            if (r != null && r.isTextual() && !r.asText().isEmpty()) return r.asText();
        }
        return "";
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) if (p.path("type").asText().equals("text")) sb.append(p.path("text").asText());
        return sb.toString();
    }

    private static String argumentsText(JsonNode args) {
        if (args == null || args.isNull()) return "{}";
        return args.isTextual() ? args.asText() : args.toString(); // a few servers send an object
    }

    /**
     * Some chat templates open {@code <think>} in the prompt, so the output carries only the closing tag: text before
     * a {@code </think>} with no opening tag is reasoning. Returns {reasoning, answer}. (While streaming, such text
     * has already gone out as answer deltas; the final choice is corrected.)
     */
    static String[] orphanClose(String answer) {
        int at = answer.indexOf(ThinkTags.CLOSE);
        if (at < 0 || answer.contains(ThinkTags.OPEN)) return new String[] {"", answer};
        return new String[] {answer.substring(0, at).strip(), answer.substring(at + ThinkTags.CLOSE.length()).strip()};
    }

    private static String join(String a, String b) {
        if (a.isEmpty()) return b;
        return b.isEmpty() ? a : a + "\n" + b;
    }

    /** Result of reading a stream: the choices and the usage node (null when the server sent none). */
    record Streamed(List<Choice> choices, JsonNode usage) {}

    /** Reads an SSE stream of chat.completion.chunk objects, emitting deltas as they arrive. */
    static Streamed readStream(String backend, InputStream in, Transport.Progress progress, StreamListener listener) throws IOException {
        Map<Integer, ChoiceState> states = new TreeMap<>();
        JsonNode[] usage = {null};
        boolean[] done = {false};
        Wire.readSse(in, (event, data) -> {
            if (data.strip().equals("[DONE]")) {
                done[0] = true;
                return false;
            }
            JsonNode chunk = Wire.parse(backend, data);
            JsonNode err = chunk.get("error");
            if (err != null && !err.isNull()) {
                throw new ModelException(backend, ModelException.Kind.SERVER, "the server reported an error mid-stream: "
                        + Errors.serverMessage(chunk.toString()), null);
            }
            for (JsonNode c : chunk.path("choices")) {
                int index = c.path("index").asInt(0);
                ChoiceState s = states.computeIfAbsent(index, i -> new ChoiceState(i, listener, progress));
                s.accept(c);
            }
            JsonNode u = chunk.get("usage");
            if (u != null && u.isObject()) usage[0] = u;
            return true;
        });
        boolean allFinished = !states.isEmpty() && states.values().stream().allMatch(s -> s.finish != null);
        if (!done[0] && !allFinished) {
            throw new Transport.StreamCut("the server closed the stream before [DONE]");
        }
        if (states.isEmpty()) {
            throw new ModelException(backend, ModelException.Kind.PROTOCOL, "the stream carried no choices", null);
        }
        List<Choice> out = new ArrayList<>();
        for (ChoiceState s : states.values()) out.add(s.toChoice());
        return new Streamed(out, usage[0]);
    }

    /** One choice being streamed. */
    private static final class ChoiceState {
        final int index;
        final StreamListener listener;
        final Transport.Progress progress;
        final ThinkTags think;
        final StringBuilder reasoningField = new StringBuilder();
        final TreeMap<Integer, String[]> tools = new TreeMap<>(); // index -> {id, name, arguments}
        String finish;
        boolean toolsEmitted;

        ChoiceState(int index, StreamListener listener, Transport.Progress progress) {
            this.index = index;
            this.listener = listener;
            this.progress = progress;
            this.think = new ThinkTags(new ThinkTags.Sink() {
                @Override
                public void reasoning(String text) {
                    progress.streamed();
                    listener.on(new StreamEvent.ReasoningDelta(null, index, text));
                }

                @Override
                public void answer(String text) {
                    progress.streamed();
                    listener.on(new StreamEvent.TextDelta(null, index, text));
                }
            });
        }

        void accept(JsonNode c) {
            JsonNode delta = c.path("delta");
            for (String f : new String[] {"reasoning_content", "reasoning"}) {
                JsonNode r = delta.get(f);
                if (r != null && r.isTextual() && !r.asText().isEmpty()) {
                    reasoningField.append(r.asText());
                    progress.streamed();
                    listener.on(new StreamEvent.ReasoningDelta(null, index, r.asText()));
                }
            }
            JsonNode content = delta.get("content");
            if (content != null && content.isTextual() && !content.asText().isEmpty()) think.accept(content.asText());
            for (JsonNode tc : delta.path("tool_calls")) {
                int k = tc.has("index") ? tc.get("index").asInt() : (tc.hasNonNull("id") ? tools.size() : Math.max(0, tools.size() - 1));
                String[] t = tools.computeIfAbsent(k, x -> new String[] {null, "", ""});
                if (tc.hasNonNull("id") && !tc.get("id").asText().isEmpty()) t[0] = tc.get("id").asText();
                JsonNode fn = tc.path("function");
                if (fn.hasNonNull("name")) t[1] = t[1] + fn.get("name").asText();
                JsonNode args = fn.get("arguments");
                if (args != null && !args.isNull()) t[2] = t[2] + (args.isTextual() ? args.asText() : args.toString());
            }
            JsonNode fr = c.get("finish_reason");
            if (fr != null && !fr.isNull()) {
                finish = fr.asText();
                end();
            }
        }

        private void end() {
            think.finish();
            if (!toolsEmitted) {
                toolsEmitted = true;
                for (ToolCall tc : calls()) {
                    progress.streamed();
                    listener.on(new StreamEvent.ToolCallRequested(null, index, tc));
                }
            }
        }

        List<ToolCall> calls() {
            List<ToolCall> out = new ArrayList<>();
            for (var e : tools.entrySet()) {
                String[] t = e.getValue();
                out.add(new ToolCall(t[0] == null ? "call_" + index + "_" + e.getKey() : t[0], t[1], t[2]));
            }
            return out;
        }

        Choice toChoice() {
            end();
            String reasoning = reasoningField.toString().strip();
            String[] orphan = orphanClose(think.answer());
            String inline = join(think.reasoning(), orphan[0]);
            if (!inline.isEmpty()) reasoning = reasoning.isEmpty() ? inline : reasoning + "\n" + inline;
            return new Choice(index, orphan[1], reasoning, calls(), FinishReason.fromWire(finish));
        }
    }

    /**
     * Usage of one call. Missing reasoning counts are estimated from the reasoning text, and missing usage
     * altogether from all the text; either way the result is marked estimated.
     */
    static Usage usage(JsonNode u, ChatRequest request, List<Choice> choices) {
        long reasoningText = 0;
        long allOutput = 0;
        for (Choice c : choices) {
            long r = c.reasoning().isEmpty() ? 0 : TokenEstimator.estimate(c.reasoning());
            reasoningText += r;
            allOutput += r + TokenEstimator.estimate(c.text());
            for (ToolCall tc : c.toolCalls()) allOutput += TokenEstimator.estimate(tc.name() + tc.argumentsJson());
        }
        if (u == null || u.isNull() || !u.has("completion_tokens")) {
            return Usage.of(Wire.estimateInput(request), Math.max(allOutput, 1), reasoningText, true);
        }
        long input = u.path("prompt_tokens").asLong(0);
        long output = u.path("completion_tokens").asLong(0);
        JsonNode rt = u.path("completion_tokens_details").get("reasoning_tokens");
        if (rt != null && rt.isNumber() && (rt.asLong() > 0 || reasoningText == 0)) {
            return Usage.of(input, Math.max(output, rt.asLong()), rt.asLong(), false);
        }
        if (reasoningText == 0) return Usage.of(input, output, 0, false);
        long estimated = output > 0 ? Math.min(reasoningText, output) : reasoningText;
        return Usage.of(input, Math.max(output, estimated), estimated, true);
    }
}
