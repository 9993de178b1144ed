package dev.muse.tokenizer.template;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.ToolCall;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds tool calls in a model's reply, in the format its chat template taught it, and returns the reply text
 * without the tool-call markup.
 *
 * <ul>
 *   <li>{@link Format#HERMES} (Qwen2.5, Qwen3, Hermes, the ChatML fallback): one or more
 *       {@code <tool_call>{"name": …, "arguments": {…}}</tool_call>} blocks anywhere in the reply.
 *   <li>{@link Format#LLAMA3_JSON} (Llama 3.1/3.2): the reply is a JSON object
 *       {@code {"name": …, "parameters": {…}}}, optionally after {@code <|python_tag|>}; several may follow one
 *       another separated by {@code ;} or new lines.
 * </ul>
 */
public final class ToolCallParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HERMES_BLOCK = Pattern.compile("<tool_call>\\s*(.*?)\\s*(?:</tool_call>|$)", Pattern.DOTALL);
    private static final String PYTHON_TAG = "<|python_tag|>";

    /** The tool-call markup a model family uses. */
    public enum Format {
        HERMES,
        LLAMA3_JSON
    }

    /** A reply split into its text (markup removed, trimmed) and the tool calls found in it, in order. */
    public record Parsed(String content, List<ToolCall> toolCalls) {
        public Parsed {
            toolCalls = List.copyOf(toolCalls);
        }

        public boolean hasToolCalls() {
            return !toolCalls.isEmpty();
        }
    }

    private final Format format;

    public ToolCallParser(Format format) {
        this.format = java.util.Objects.requireNonNull(format, "format");
    }

    /** The parser for what a template teaches: Llama 3 JSON for Llama 3 templates, Hermes otherwise. */
    public static ToolCallParser forTemplate(ChatTemplate template) {
        String src = template.source();
        boolean llama3 = src != null && !src.contains("<tool_call>")
                && (src.contains("<|python_tag|>") || (src.contains("<|start_header_id|>") && src.contains("\"parameters\"")));
        return new ToolCallParser(llama3 ? Format.LLAMA3_JSON : Format.HERMES);
    }

    public Format format() {
        return format;
    }

    public Parsed parse(String reply) {
        if (reply == null) return new Parsed("", List.of());
        return switch (format) {
            case HERMES -> parseHermes(reply);
            case LLAMA3_JSON -> parseLlama3(reply);
        };
    }

    private static Parsed parseHermes(String reply) {
        if (!reply.contains("<tool_call>")) return new Parsed(reply.strip(), List.of());
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder rest = new StringBuilder();
        Matcher m = HERMES_BLOCK.matcher(reply);
        int last = 0;
        while (m.find()) {
            ToolCall call = callFromJson(m.group(1), "arguments");
            if (call == null) continue; // not a readable call: leave the text as it was
            rest.append(reply, last, m.start());
            last = m.end();
            calls.add(call);
        }
        rest.append(reply.substring(last));
        return new Parsed(rest.toString().strip(), calls);
    }

    private static Parsed parseLlama3(String reply) {
        String text = reply.strip();
        String prefix = "";
        int tag = text.indexOf(PYTHON_TAG);
        if (tag >= 0) {
            prefix = text.substring(0, tag).strip();
            text = text.substring(tag + PYTHON_TAG.length()).strip();
        }
        Parsed plain = new Parsed(reply.strip(), List.of());
        List<ToolCall> calls = new ArrayList<>();
        String rest = text;
        // the whole reply must be calls: a JSON object that is an answer, or prose around one, stays text
        while (!rest.isEmpty()) {
            if (!rest.startsWith("{")) return plain;
            JsonNode node;
            int end;
            try (JsonParser p = JSON.createParser(rest)) {
                node = JSON.readTree(p);
                end = (int) p.currentLocation().getCharOffset();
            } catch (IOException e) {
                return plain;
            }
            ToolCall call = node instanceof ObjectNode o ? callFromNode(o, "parameters") : null;
            if (call == null) return plain;
            calls.add(call);
            rest = rest.substring(Math.min(end, rest.length())).replaceFirst("^[\\s;]+", "");
        }
        return calls.isEmpty() ? plain : new Parsed(prefix, calls);
    }

    private static ToolCall callFromJson(String json, String argumentsKey) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node instanceof ObjectNode o) return callFromNode(o, argumentsKey);
        } catch (JsonProcessingException e) {
            // fall through to the lenient reading below
        }
        // malformed JSON: keep the name and hand the raw arguments to the tool runtime, which reports the error
        Matcher name = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!name.find()) return null;
        Matcher args = Pattern.compile("\"(?:arguments|parameters)\"\\s*:\\s*(.*?)\\s*}?\\s*$", Pattern.DOTALL).matcher(json);
        return new ToolCall(newId(), name.group(1), args.find() ? args.group(1) : "{}");
    }

    private static ToolCall callFromNode(ObjectNode o, String preferredKey) {
        JsonNode name = o.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) return null;
        JsonNode args = o.has(preferredKey) ? o.get(preferredKey) : o.has("arguments") ? o.get("arguments") : o.get("parameters");
        String argsJson;
        if (args == null || args.isNull()) argsJson = "{}";
        else if (args.isTextual()) argsJson = args.asText(); // some models quote the arguments object
        else argsJson = args.toString();
        return new ToolCall(newId(), name.asText(), argsJson);
    }

    private static String newId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
