package dev.muse.backends;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatRequest;
import dev.muse.core.ContentPart;
import dev.muse.core.ModelException;
import dev.muse.core.TokenEstimator;
import dev.muse.core.ToolCall;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** JSON and SSE helpers shared by the wire mappers. */
final class Wire {
    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Wire() {}

    /** Receives one server-sent event. Return false to stop reading. */
    @FunctionalInterface
    interface SseHandler {
        boolean on(String event, String data) throws IOException;
    }

    /**
     * Reads server-sent events until the handler returns false or the body ends. Returns whether the handler
     * stopped it (a normal end for the protocols that mark their end), false when the body simply ended.
     */
    static boolean readSse(InputStream in, SseHandler handler) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String event = null;
        StringBuilder data = new StringBuilder();
        boolean hasData = false;
        for (String line; (line = r.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (hasData && !handler.on(event, data.toString())) return true;
                event = null;
                data.setLength(0);
                hasData = false;
            } else if (line.startsWith(":")) {
                // comment / keep-alive
            } else if (line.startsWith("data:")) {
                if (hasData) data.append('\n');
                data.append(line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5));
                hasData = true;
            } else if (line.startsWith("event:")) {
                event = line.substring(6).strip();
            }
        }
        return hasData && !handler.on(event, data.toString());
    }

    static JsonNode parse(String backend, String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ModelException(backend, ModelException.Kind.PROTOCOL,
                    "the server sent something that is not JSON: " + Errors.shorten(json), e);
        }
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.asText();
    }

    /** Input tokens estimated from the request's text, for servers that report no usage. */
    static long estimateInput(ChatRequest request) {
        long sum = 0;
        for (ChatMessage m : request.messages()) {
            sum += 4 + TokenEstimator.estimate(m.text());
            for (ToolCall c : m.toolCalls()) sum += TokenEstimator.estimate(c.name() + c.argumentsJson());
            for (ContentPart p : m.content()) if (p instanceof ContentPart.Image) sum += 85; // a low-detail image tile
        }
        return sum;
    }
}
