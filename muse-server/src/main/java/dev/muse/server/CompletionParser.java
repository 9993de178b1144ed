package dev.muse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.ChatMessage;
import dev.muse.core.ContentPart;
import dev.muse.core.Role;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.reasoning.Mode;
import dev.muse.reasoning.RunOptions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns an OpenAI chat-completions body into a {@link Call}, checking every field so a bad request gets a 400 that
 * names the parameter and says what to send instead.
 *
 * <p>Mode precedence, highest first: {@code muse.mode}; a mode alias in {@code model} ({@code muse-thinking} …);
 * {@code reasoning_effort} ({@code minimal}/{@code none} → instant, {@code low}/{@code medium} → thinking,
 * {@code high}/{@code xhigh} → contemplating); the server's default mode.
 */
final class CompletionParser {
    static final Map<String, Mode> ALIASES = Map.of(
            "muse-instant", Mode.INSTANT,
            "muse-thinking", Mode.THINKING,
            "muse-contemplating", Mode.CONTEMPLATING,
            "muse-auto", Mode.AUTO);

    /** OpenAI parameters we accept; those Muse cannot honour are ignored, as many compatible servers do. */
    private static final Set<String> KNOWN = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "n", "seed", "stop", "tools", "tool_choice",
            "parallel_tool_calls", "reasoning_effort", "user", "metadata", "store", "logprobs", "top_logprobs",
            "presence_penalty", "frequency_penalty", "logit_bias", "response_format", "service_tier", "modalities",
            "prediction", "verbosity", "functions", "function_call", "audio", "safety_identifier", "prompt_cache_key", "web_search_options", "muse");

    private static final Set<String> MUSE_KNOWN = Set.of("mode", "agents", "thinking_budget", "tools", "backend",
            "conversation_id", "refine_rounds");

    /**
     * A parsed request.
     *
     * @param modeSource where the mode came from: "muse.mode", "model", "reasoning_effort" or "default"
     * @param lastUser the last user message's content exactly as sent (stored in the conversation)
     */
    record Call(String model, String backend, Mode mode, String modeSource, RunOptions options,
            List<ChatMessage> messages, boolean stream, boolean includeUsage, String conversationId, JsonNode lastUser) {}

    private final List<String> backendIds;
    private final boolean allowHttpImages;
    private final Mode defaultMode;
    private final List<String> serverTools;

    CompletionParser(List<String> backendIds, boolean allowHttpImages, Mode defaultMode, List<String> serverTools) {
        this.backendIds = List.copyOf(backendIds);
        this.allowHttpImages = allowHttpImages;
        this.defaultMode = defaultMode;
        this.serverTools = List.copyOf(serverTools);
    }

    Call parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest(null, "the request body must be a JSON object with 'model' and 'messages'");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!KNOWN.contains(f)) {
                throw ApiError.badRequest(f, "Unrecognized request argument supplied: " + f
                        + " (Muse options go in the 'muse' object: " + String.join(", ", MUSE_KNOWN.stream().sorted().toList()) + ")");
            }
        }
        String model = requiredString(body, "model");
        JsonNode muse = body.get("muse");
        if (muse != null && !muse.isNull() && !muse.isObject()) throw ApiError.badRequest("muse", "'muse' must be an object, e.g. {\"mode\":\"thinking\"}");
        if (muse != null && muse.isObject()) {
            for (Iterator<String> it = muse.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!MUSE_KNOWN.contains(f)) {
                    throw ApiError.badRequest("muse." + f, "unknown Muse option 'muse." + f + "': use "
                            + String.join(", ", MUSE_KNOWN.stream().sorted().toList()));
                }
            }
        } else {
            muse = null;
        }

        // mode: muse.mode > model alias > reasoning_effort > default
        Mode mode;
        String source;
        String museMode = muse == null ? null : optionalString(muse, "mode", "muse.mode");
        Mode alias = ALIASES.get(model);
        String effort = optionalString(body, "reasoning_effort", "reasoning_effort");
        if (alias == null && !backendIds.contains(model)) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found", "The model '" + model
                    + "' does not exist on this server: use one of " + String.join(", ", allModels()) + " (see GET /v1/models)");
        }
        if (museMode != null) {
            try {
                mode = Mode.parse(museMode);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("muse.mode", e.getMessage());
            }
            source = "muse.mode";
        } else if (alias != null) {
            mode = alias;
            source = "model";
        } else if (effort != null) {
            mode = switch (effort) {
                case "minimal", "none" -> Mode.INSTANT;
                case "low", "medium" -> Mode.THINKING;
                case "high", "xhigh" -> Mode.CONTEMPLATING;
                default -> throw ApiError.badRequest("reasoning_effort", "reasoning_effort must be one of none, minimal, low, medium, high; got '" + effort + "'");
            };
            source = "reasoning_effort";
        } else {
            mode = defaultMode;
            source = "default";
        }

        String backend = muse == null ? null : optionalString(muse, "backend", "muse.backend");
        if (backend != null && !backendIds.contains(backend)) {
            throw new ApiError(404, "invalid_request_error", "muse.backend", "model_not_found", "unknown backend '" + backend
                    + "': use one of " + String.join(", ", backendIds));
        }
        if (backend == null) backend = backendIds.contains(model) ? model : backendIds.getFirst();

        List<ChatMessage> messages = messages(body);
        boolean stream = optionalBoolean(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiError.badRequest("stream_options", "stream_options must be an object like {\"include_usage\": true}");
            includeUsage = optionalBoolean(so, "include_usage", false);
        }

        RunOptions options = RunOptions.of(mode);
        Integer maxTokens = optionalInt(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = optionalInt(body, "max_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens != null) options = options.withMaxTokens(maxTokens);
        Double temperature = optionalNumber(body, "temperature", 0, 2);
        if (temperature != null) options = options.withTemperature(temperature);
        optionalNumber(body, "top_p", 0, 1);
        Integer n = optionalInt(body, "n", 1, 128);
        if (n != null && n != 1) throw ApiError.badRequest("n", "Muse returns one choice per request: set n to 1 (Contemplating runs several agents: set muse.agents)");
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.canConvertToLong() || !seed.isIntegralNumber()) throw ApiError.badRequest("seed", "seed must be an integer");
            options = options.withSeed(seed.asLong());
        }

        List<ToolSpec> clientTools = tools(body);
        JsonNode toolChoice = body.get("tool_choice");
        if (toolChoice != null && toolChoice.isTextual() && toolChoice.asText().equals("none")) clientTools = List.of();
        options = options.withClientTools(clientTools);

        List<String> tools = new ArrayList<>(serverTools);
        String conversationId = null;
        if (muse != null) {
            Integer agents = optionalInt(muse, "agents", 1, RunOptions.MAX_AGENTS, "muse.agents");
            if (agents != null) options = options.withAgents(agents);
            Integer rounds = optionalInt(muse, "refine_rounds", 0, 5, "muse.refine_rounds");
            if (rounds != null) options = options.withRefineRounds(rounds);
            Integer budget = optionalInt(muse, "thinking_budget", 16, Integer.MAX_VALUE, "muse.thinking_budget");
            if (budget != null) options = options.withThinkingBudget(budget);
            JsonNode t = muse.get("tools");
            if (t != null && !t.isNull()) {
                if (!t.isArray()) throw ApiError.badRequest("muse.tools", "muse.tools must be an array of Muse tool names");
                for (JsonNode name : t) {
                    if (!name.isTextual()) throw ApiError.badRequest("muse.tools", "muse.tools must be an array of Muse tool names");
                    if (!tools.contains(name.asText())) tools.add(name.asText());
                }
            }
            conversationId = optionalString(muse, "conversation_id", "muse.conversation_id");
        }
        options = options.withTools(tools);

        JsonNode lastUser = null;
        JsonNode raw = body.get("messages");
        for (int i = raw.size() - 1; i >= 0; i--) {
            if ("user".equals(raw.get(i).path("role").asText())) {
                lastUser = raw.get(i).get("content");
                break;
            }
        }
        return new Call(model, backend, mode, source, options, messages, stream, includeUsage, conversationId, lastUser);
    }

    List<String> allModels() {
        List<String> all = new ArrayList<>(backendIds);
        all.addAll(List.of("muse-instant", "muse-thinking", "muse-contemplating", "muse-auto"));
        return all;
    }

    // ---- messages

    private List<ChatMessage> messages(JsonNode body) {
        JsonNode arr = body.get("messages");
        if (arr == null || arr.isNull()) throw ApiError.badRequest("messages", "'messages' is required: an array of {\"role\", \"content\"} objects");
        if (!arr.isArray()) throw ApiError.badRequest("messages", "'messages' must be an array of {\"role\", \"content\"} objects");
        if (arr.isEmpty()) throw ApiError.badRequest("messages", "'messages' is empty: send at least one user message");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) out.add(message(arr.get(i), "messages[" + i + "]"));
        ChatMessage last = out.getLast();
        if (last.role() != Role.USER && last.role() != Role.TOOL) {
            throw ApiError.badRequest("messages", "the last message must be from the user (or a tool result), got " + last.role().name().toLowerCase());
        }
        return out;
    }

    private ChatMessage message(JsonNode m, String at) {
        if (!m.isObject()) throw ApiError.badRequest(at, at + " must be an object with 'role' and 'content'");
        String role = requiredString(m, "role", at + ".role");
        Role r = switch (role) {
            case "system", "developer" -> Role.SYSTEM;
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            case "tool" -> Role.TOOL;
            default -> throw ApiError.badRequest(at + ".role", at + ".role must be system, developer, user, assistant or tool; got '" + role + "'");
        };
        List<ContentPart> parts = content(m.get("content"), at + ".content", r);
        List<ToolCall> calls = List.of();
        if (r == Role.ASSISTANT && m.hasNonNull("tool_calls")) calls = toolCalls(m.get("tool_calls"), at + ".tool_calls");
        String toolCallId = null;
        if (r == Role.TOOL) {
            toolCallId = optionalString(m, "tool_call_id", at + ".tool_call_id");
            if (toolCallId == null || toolCallId.isBlank()) {
                throw ApiError.badRequest(at + ".tool_call_id", "a tool message needs 'tool_call_id': the id of the assistant's tool call it answers");
            }
        }
        if (r == Role.USER && parts.isEmpty()) throw ApiError.badRequest(at + ".content", at + ".content is empty: a user message needs text or an image");
        if (r == Role.ASSISTANT && parts.isEmpty() && calls.isEmpty()) {
            throw ApiError.badRequest(at + ".content", at + " has neither content nor tool_calls");
        }
        String name = m.hasNonNull("name") && m.get("name").isTextual() ? m.get("name").asText() : null;
        String reasoning = m.hasNonNull("reasoning_content") && m.get("reasoning_content").isTextual() ? m.get("reasoning_content").asText() : null;
        return new ChatMessage(r, parts, calls, toolCallId, name, reasoning);
    }

    private List<ContentPart> content(JsonNode c, String at, Role role) {
        if (c == null || c.isNull()) {
            if (role == Role.ASSISTANT) return List.of();
            throw ApiError.badRequest(at, at + " is required");
        }
        if (c.isTextual()) return c.asText().isEmpty() ? List.of() : List.of(new ContentPart.Text(c.asText()));
        if (!c.isArray()) throw ApiError.badRequest(at, at + " must be a string or an array of content parts");
        List<ContentPart> out = new ArrayList<>();
        for (int j = 0; j < c.size(); j++) {
            JsonNode p = c.get(j);
            String pat = at + "[" + j + "]";
            if (!p.isObject()) throw ApiError.badRequest(pat, pat + " must be an object like {\"type\":\"text\",\"text\":\"...\"}");
            String type = requiredString(p, "type", pat + ".type");
            switch (type) {
                case "text" -> out.add(new ContentPart.Text(requiredString(p, "text", pat + ".text")));
                case "image_url" -> {
                    if (role != Role.USER) throw ApiError.badRequest(pat, "images are only accepted in user messages");
                    JsonNode iu = p.get("image_url");
                    String url;
                    String detail = null;
                    if (iu != null && iu.isTextual()) url = iu.asText();
                    else if (iu != null && iu.isObject()) {
                        url = requiredString(iu, "url", pat + ".image_url.url");
                        detail = optionalString(iu, "detail", pat + ".image_url.detail");
                    } else throw ApiError.badRequest(pat + ".image_url", pat + ".image_url must be an object {\"url\": \"data:image/png;base64,...\"}");
                    out.add(image(url, detail, pat + ".image_url.url"));
                }
                default -> throw ApiError.badRequest(pat + ".type", "unsupported content part type '" + type + "': use text or image_url");
            }
        }
        return out;
    }

    private ContentPart.Image image(String url, String detail, String at) {
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            if (comma < 0 || !url.substring(0, comma).endsWith(";base64") || !url.startsWith("data:image/")) {
                throw ApiError.badRequest(at, "an image data URL must look like data:image/png;base64,<base64 bytes>");
            }
            try {
                java.util.Base64.getDecoder().decode(url.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(at, "the image data URL's base64 payload is invalid: " + e.getMessage());
            }
            return new ContentPart.Image(url, detail);
        }
        if (url.startsWith("http://") || url.startsWith("https://")) {
            if (!allowHttpImages) {
                throw ApiError.badRequest(at, "this server does not fetch image URLs: send the image inline as a data URL"
                        + " (data:image/png;base64,...), or start the server with http images allowed");
            }
            return new ContentPart.Image(url, detail);
        }
        throw ApiError.badRequest(at, "an image URL must be a data: URL (or http(s) where the server allows it)");
    }

    private List<ToolCall> toolCalls(JsonNode arr, String at) {
        if (!arr.isArray()) throw ApiError.badRequest(at, at + " must be an array");
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode tc = arr.get(i);
            String tat = at + "[" + i + "]";
            if (!tc.isObject()) throw ApiError.badRequest(tat, tat + " must be an object");
            String id = requiredString(tc, "id", tat + ".id");
            JsonNode fn = tc.get("function");
            if (fn == null || !fn.isObject()) throw ApiError.badRequest(tat + ".function", tat + ".function must be an object {name, arguments}");
            String name = requiredString(fn, "name", tat + ".function.name");
            String args = optionalString(fn, "arguments", tat + ".function.arguments");
            out.add(new ToolCall(id, name, args));
        }
        return out;
    }

    private List<ToolSpec> tools(JsonNode body) {
        JsonNode arr = body.get("tools");
        if (arr == null || arr.isNull()) return List.of();
        if (!arr.isArray()) throw ApiError.badRequest("tools", "'tools' must be an array of {\"type\":\"function\",\"function\":{...}}");
        List<ToolSpec> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode t = arr.get(i);
            String at = "tools[" + i + "]";
            if (!t.isObject()) throw ApiError.badRequest(at, at + " must be an object");
            String type = optionalString(t, "type", at + ".type");
            if (type != null && !type.equals("function")) throw ApiError.badRequest(at + ".type", "only tools of type 'function' are supported, got '" + type + "'");
            JsonNode fn = t.get("function");
            if (fn == null || !fn.isObject()) throw ApiError.badRequest(at + ".function", at + ".function must be an object {name, description, parameters}");
            String name = requiredString(fn, "name", at + ".function.name");
            String description = optionalString(fn, "description", at + ".function.description");
            JsonNode params = fn.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) throw ApiError.badRequest(at + ".function.parameters", "parameters must be a JSON schema object");
            @SuppressWarnings("unchecked")
            Map<String, Object> schema = params == null || params.isNull() ? null : Json.MAPPER.convertValue(params, Map.class);
            try {
                out.add(new ToolSpec(name, description, schema));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(at + ".function.name", e.getMessage());
            }
        }
        return out;
    }

    // ---- field helpers

    private static String requiredString(JsonNode o, String field) {
        return requiredString(o, field, field);
    }

    private static String requiredString(JsonNode o, String field, String param) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) throw ApiError.badRequest(param, "'" + param + "' is required");
        if (!v.isTextual()) throw ApiError.badRequest(param, "'" + param + "' must be a string, got " + kind(v));
        return v.asText();
    }

    private static String optionalString(JsonNode o, String field, String param) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiError.badRequest(param, "'" + param + "' must be a string, got " + kind(v));
        return v.asText();
    }

    private static boolean optionalBoolean(JsonNode o, String field, boolean dflt) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiError.badRequest(field, "'" + field + "' must be true or false, got " + kind(v));
        return v.asBoolean();
    }

    private static Integer optionalInt(JsonNode o, String field, int min, int max) {
        return optionalInt(o, field, min, max, field);
    }

    private static Integer optionalInt(JsonNode o, String field, int min, int max, String param) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiError.badRequest(param, "'" + param + "' must be an integer, got " + kind(v));
        int i = v.asInt();
        if (i < min || i > max) {
            throw ApiError.badRequest(param, "'" + param + "' must be " + (max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max) + ", got " + i);
        }
        return i;
    }

    private static Double optionalNumber(JsonNode o, String field, double min, double max) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw ApiError.badRequest(field, "'" + field + "' must be a number, got " + kind(v));
        double d = v.asDouble();
        if (d < min || d > max) throw ApiError.badRequest(field, "'" + field + "' must be between " + min + " and " + max + ", got " + v.asText());
        return d;
    }

    private static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().name().toLowerCase();
        };
    }

    static ObjectNode objectOrEmpty(JsonNode n) {
        return n != null && n.isObject() ? (ObjectNode) n : Json.MAPPER.createObjectNode();
    }
}
