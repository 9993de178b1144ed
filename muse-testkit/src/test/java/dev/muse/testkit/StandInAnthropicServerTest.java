package dev.muse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.ToolCall;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the Anthropic stand-in with a bare HTTP client: the Messages API's shapes and its request checks. */
class StandInAnthropicServerTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> post(StandInAnthropicServer s, String json, boolean version) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.baseUrl() + "/v1/messages"))
                .header("Content-Type", "application/json").header("x-api-key", "k").POST(HttpRequest.BodyPublishers.ofString(json));
        if (version) b.header("anthropic-version", "2023-06-01");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String THINKING = "{\"model\":\"c\",\"max_tokens\":3000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    @Test
    void should_answer_with_thinking_text_and_tool_use_blocks() throws Exception {
        try (var s = StandInAnthropicServer.start(r -> Reply.text("ok").withReasoning("think").withToolCall("t1", "calc", "{\"x\":1}"))) {
            JsonNode m = Json.MAPPER.readTree(post(s, THINKING + "}", true).body());
            assertThat(m.path("content")).extracting(b -> b.path("type").asText()).containsExactly("thinking", "text", "tool_use");
            assertThat(m.path("content").get(0).path("signature").asText()).isEqualTo(StandInAnthropicServer.SIGNATURE);
            assertThat(m.path("content").get(2).path("input").path("x").asInt()).isEqualTo(1);
            assertThat(m.path("stop_reason").asText()).isEqualTo("tool_use");
            assertThat(m.path("usage").path("output_tokens").asLong()).isPositive();
        }
    }

    @Test
    void should_stream_the_messages_event_sequence() throws Exception {
        try (var s = StandInAnthropicServer.start(r -> Reply.text("a b").withReasoning("hmm"))) {
            String body = post(s, THINKING + ",\"stream\":true}", true).body();
            List<String> events = new ArrayList<>();
            for (String line : body.split("\n")) if (line.startsWith("event: ")) events.add(line.substring(7));
            assertThat(events.getFirst()).isEqualTo("message_start");
            assertThat(events).containsSubsequence("content_block_start", "content_block_delta", "content_block_stop",
                    "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
            assertThat(events.getLast()).isEqualTo("message_stop");
            assertThat(body).contains("\"thinking_delta\"").contains("\"signature_delta\"").contains("\"text_delta\"");
        }
    }

    @Test
    void should_reject_what_the_real_api_rejects() throws Exception {
        try (var s = StandInAnthropicServer.start(r -> Reply.text("x"))) {
            assertThat(post(s, THINKING + "}", false).body()).contains("anthropic-version");
            assertThat(post(s, "{\"model\":\"c\",\"messages\":[]}", true).body()).contains("max_tokens");
            var small = post(s, THINKING.replace("2000", "500") + "}", true);
            assertThat(small.statusCode()).isEqualTo(400);
            assertThat(small.body()).contains("greater than or equal to 1024");
            assertThat(post(s, THINKING.replace("3000", "2000") + "}", true).body()).contains("must be greater than `thinking.budget_tokens`");
            assertThat(post(s, THINKING + ",\"temperature\":0.5}", true).body()).contains("temperature");
            String replayWithoutThinking = "{\"model\":\"c\",\"max_tokens\":3000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"messages\":["
                    + "{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"calc\",\"input\":{}}]},"
                    + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":\"1\"}]}]}";
            assertThat(post(s, replayWithoutThinking, true).body()).contains("Expected `thinking`");
            assertThat(s.requests()).hasSize(6);
        }
    }

    @Test
    void should_demand_the_api_key_when_told_to() throws Exception {
        try (var s = StandInAnthropicServer.start(r -> Reply.toolCalls(new ToolCall("a", "b", "{}"))).requireApiKey("secret")) {
            var r = post(s, THINKING + "}", true);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText()).isEqualTo("authentication_error");
        }
    }
}
