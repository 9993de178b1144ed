package dev.muse.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request a stand-in server received, with its JSON body as it came over the wire and conveniences to
 * inspect it. Understands both OpenAI's chat format and Anthropic's Messages format (Anthropic's top-level
 * {@code system} shows up as a first "system" message).
 *
 * @param path the request path, e.g. {@code /v1/chat/completions}
 * @param headers request headers, names in lower case (first value of each)
 * @param body the raw JSON body
 * @param sampleIndex which sample the responder is asked for (0 for the request as recorded)
 */
public record RecordedRequest(String path, Map<String, String> headers, JsonNode body, int sampleIndex) {

    /** One message reduced to its role and its text (text parts joined; tool results included). */
    public record Message(String role, String text) {}

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    RecordedRequest withSample(int i) {
        return new RecordedRequest(path, headers, body, i);
    }

    public String model() {
        return body.path("model").asText(null);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** The {@code Authorization} header, e.g. "Bearer sk-…", or null. */
    public String authorization() {
        return header("authorization");
    }

    public List<Message> messages() {
        List<Message> out = new ArrayList<>();
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) out.add(new Message("system", text(system)));
        for (JsonNode m : body.path("messages")) {
            out.add(new Message(m.path("role").asText(), text(m.get("content"))));
        }
        return out;
    }

    /** The text of the last user message (for Anthropic, tool results come in user messages too). */
    public String lastUserText() {
        List<Message> ms = messages();
        for (int i = ms.size() - 1; i >= 0; i--) {
            if (ms.get(i).role().equals("user")) return ms.get(i).text();
        }
        return "";
    }

    /** Every message's text joined with newlines: handy to find which question a conversation is about. */
    public String allText() {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages()) sb.append(m.text()).append('\n');
        return sb.toString();
    }

    /** {@code n} (1 when absent). */
    public int n() {
        return body.path("n").asInt(1);
    }

    public boolean stream() {
        return body.path("stream").asBoolean(false);
    }

    /** The temperature, or null when not sent. */
    public Double temperature() {
        JsonNode t = body.get("temperature");
        return t == null || t.isNull() ? null : t.asDouble();
    }

    /** The seed, or null when not sent. */
    public Long seed() {
        JsonNode t = body.get("seed");
        return t == null || t.isNull() ? null : t.asLong();
    }

    public boolean hasTools() {
        return body.path("tools").size() > 0;
    }

    /** Names of the tools offered. */
    public List<String> toolNames() {
        List<String> out = new ArrayList<>();
        for (JsonNode t : body.path("tools")) {
            JsonNode fn = t.get("function");
            out.add(fn != null ? fn.path("name").asText() : t.path("name").asText());
        }
        return out;
    }

    /** Every image in the conversation: an http(s) URL or a {@code data:} URL (Anthropic base64 sources rebuilt). */
    public List<String> imageUrls() {
        List<String> out = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            for (JsonNode p : m.path("content")) {
                switch (p.path("type").asText()) {
                    case "image_url" -> out.add(p.path("image_url").path("url").asText());
                    case "image" -> {
                        JsonNode src = p.path("source");
                        if (src.path("type").asText().equals("base64")) {
                            out.add("data:" + src.path("media_type").asText() + ";base64," + src.path("data").asText());
                        } else {
                            out.add(src.path("url").asText());
                        }
                    }
                    default -> {}
                }
            }
        }
        return out;
    }

    static String text(JsonNode content) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) {
            switch (p.path("type").asText()) {
                case "text" -> sb.append(p.path("text").asText());
                case "tool_result" -> sb.append(text(p.get("content")));
                default -> {}
            }
        }
        return sb.toString();
    }
}
