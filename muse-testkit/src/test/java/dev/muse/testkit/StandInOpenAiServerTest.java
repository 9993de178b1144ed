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

/** Checks the stand-in against the OpenAI protocol with a bare HTTP client, as a real server would be checked. */
class StandInOpenAiServerTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> post(StandInOpenAiServer s, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<JsonNode> events(String sse) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) out.add(Json.MAPPER.readTree(line.substring(6)));
        }
        return out;
    }

    @Test
    void should_answer_plain_json_with_usage() throws Exception {
        try (var s = StandInOpenAiServer.start(r -> Reply.text("hello there").withReasoning("hmm"))) {
            var resp = post(s, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(resp.statusCode()).isEqualTo(200);
            JsonNode b = Json.MAPPER.readTree(resp.body());
            assertThat(b.path("object").asText()).isEqualTo("chat.completion");
            assertThat(b.path("choices").get(0).path("message").path("content").asText()).isEqualTo("hello there");
            assertThat(b.path("choices").get(0).path("message").path("reasoning_content").asText()).isEqualTo("hmm");
            assertThat(b.path("usage").path("completion_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(1);
            assertThat(b.path("usage").path("total_tokens").asLong())
                    .isEqualTo(b.path("usage").path("prompt_tokens").asLong() + b.path("usage").path("completion_tokens").asLong());
        }
    }

    @Test
    void should_stream_chunks_with_one_id_a_role_first_a_usage_chunk_and_done() throws Exception {
        try (var s = StandInOpenAiServer.start(r -> Reply.text("a b c"))) {
            var resp = post(s, "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(resp.headers().firstValue("content-type")).hasValue("text/event-stream");
            assertThat(resp.body()).endsWith("data: [DONE]\n\n");
            List<JsonNode> ev = events(resp.body());
            assertThat(ev).extracting(e -> e.path("id").asText()).containsOnly(ev.getFirst().path("id").asText());
            assertThat(ev.getFirst().path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
            StringBuilder text = new StringBuilder();
            for (JsonNode e : ev) for (JsonNode c : e.path("choices")) text.append(c.path("delta").path("content").asText(""));
            assertThat(text).hasToString("a b c");
            JsonNode last = ev.getLast();
            assertThat(last.path("choices")).isEmpty();
            assertThat(last.path("usage").path("completion_tokens").asLong()).isPositive();
            assertThat(ev.get(ev.size() - 2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        }
    }

    @Test
    void should_stream_tool_call_arguments_in_fragments() throws Exception {
        try (var s = StandInOpenAiServer.start(r -> Reply.toolCalls(new ToolCall("c1", "calc", "{\"expr\":\"1+2\"}"), new ToolCall("c2", "calc", "{\"expr\":\"3\"}")))) {
            var resp = post(s, "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            StringBuilder first = new StringBuilder();
            int fragments = 0;
            for (JsonNode e : events(resp.body())) {
                for (JsonNode tc : e.path("choices").get(0).path("delta").path("tool_calls")) {
                    if (tc.path("index").asInt() == 0) {
                        first.append(tc.path("function").path("arguments").asText(""));
                        fragments++;
                    }
                }
            }
            assertThat(first).hasToString("{\"expr\":\"1+2\"}");
            assertThat(fragments).isGreaterThan(2);
            assertThat(resp.body()).contains("\"finish_reason\":\"tool_calls\"").doesNotContain("include_usage");
        }
    }

    @Test
    void should_treat_n_natively_ignore_it_or_reject_it() throws Exception {
        String body = "{\"model\":\"m\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (var s = StandInOpenAiServer.start(r -> Reply.text("s" + r.sampleIndex()))) {
            JsonNode b = Json.MAPPER.readTree(post(s, body).body());
            assertThat(b.path("choices")).hasSize(3);
            assertThat(b.path("choices").get(2).path("message").path("content").asText()).isEqualTo("s2");
            s.nSupport(NSupport.IGNORED);
            assertThat(Json.MAPPER.readTree(post(s, body).body()).path("choices")).hasSize(1);
            s.nSupport(NSupport.REJECTED);
            var rejected = post(s, body);
            assertThat(rejected.statusCode()).isEqualTo(400);
            assertThat(rejected.body()).contains("'n' must be 1");
            assertThat(s.requests()).hasSize(3);
        }
    }

    @Test
    void should_send_faults_as_scripted() throws Exception {
        try (var s = StandInOpenAiServer.start(Responder.sequence(Reply.rateLimited(2), Reply.unauthorized(), Reply.text("ok")))) {
            String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            var r1 = post(s, body);
            assertThat(r1.statusCode()).isEqualTo(429);
            assertThat(r1.headers().firstValue("retry-after")).hasValue("2");
            var r2 = post(s, body);
            assertThat(r2.statusCode()).isEqualTo(401);
            assertThat(Json.MAPPER.readTree(r2.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
            assertThat(post(s, body).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void should_drop_the_connection_when_cutting_a_stream() throws Exception {
        try (var s = StandInOpenAiServer.start(r -> Reply.text("one two three four").cutAfter(2))) {
            var req = HttpRequest.newBuilder(URI.create(s.baseUrl() + "/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
            var resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            byte[] got;
            try (var in = resp.body()) {
                got = in.readAllBytes();
                assertThat(got).as("a cut stream must fail, not end cleanly").isNull();
            } catch (IOException expected) {
                // the connection dropped mid-body
            }
        }
    }

    @Test
    void should_list_models_and_reject_unknown_ones() throws Exception {
        try (var s = StandInOpenAiServer.start(r -> Reply.text("x")).models("a", "b")) {
            var list = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(Json.MAPPER.readTree(list.body()).path("data").findValuesAsText("id")).containsExactly("a", "b");
            var resp = post(s, "{\"model\":\"zzz\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(resp.statusCode()).isEqualTo(404);
            assertThat(resp.body()).contains("model_not_found");
        }
    }

    @Test
    void should_answer_bad_json_with_400() throws Exception {
        try (var s = StandInOpenAiServer.start(r -> Reply.text("x"))) {
            assertThat(post(s, "{not json").statusCode()).isEqualTo(400);
            assertThat(s.requests()).isEmpty();
        }
    }
}
