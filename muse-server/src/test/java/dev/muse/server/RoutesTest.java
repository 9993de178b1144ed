package dev.muse.server;

import static dev.muse.server.Harness.chat;
import static dev.muse.server.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible routes, in-process over a loopback stand-in backend, checked on the raw wire. */
class RoutesTest {
    static Harness h;

    @BeforeAll
    static void start() {
        h = Harness.start(Responder.always(Reply.text("The answer is 42.").withReasoning("six times seven")));
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void should_list_backend_models_and_mode_aliases() {
        HttpResponse<String> r = h.get("/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(r).get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).containsExactly("stand-in", "muse-instant", "muse-thinking", "muse-contemplating", "muse-auto");
        assertThat(json(r).get("object").asText()).isEqualTo("list");
    }

    @Test
    void should_answer_a_plain_completion_in_openai_shape_with_run_id() {
        HttpResponse<String> r = h.post("/v1/chat/completions", chat("muse-thinking", "What is 6*7?", null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = json(r);
        assertThat(b.get("object").asText()).isEqualTo("chat.completion");
        assertThat(b.get("id").asText()).startsWith("chatcmpl-");
        JsonNode choice = b.get("choices").get(0);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).contains("42");
        JsonNode usage = b.get("usage");
        assertThat(usage.get("prompt_tokens").asLong()).isPositive();
        assertThat(usage.get("total_tokens").asLong()).isEqualTo(usage.get("prompt_tokens").asLong() + usage.get("completion_tokens").asLong());
        assertThat(usage.has("completion_tokens_details")).isTrue();
        String runId = r.headers().firstValue("x-muse-run-id").orElseThrow();
        assertThat(b.get("muse").get("run_id").asText()).isEqualTo(runId);
        assertThat(b.get("muse").get("mode").asText()).isEqualTo("thinking");

        HttpResponse<String> run = h.get("/v1/muse/runs/" + runId);
        assertThat(run.statusCode()).isEqualTo(200);
        JsonNode trace = json(run).get("trace");
        assertThat(trace.get("kind").asText()).isEqualTo("run");
        assertThat(trace.get("children")).isNotEmpty();
        assertThat(json(run).get("status").asText()).isEqualTo("completed");
    }

    @Test
    void should_stream_with_role_first_one_id_finish_reason_usage_chunk_and_done() {
        HttpResponse<String> r = h.post("/v1/chat/completions",
                chat("muse-thinking", "What is 6*7?", "\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> data = Harness.sseData(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(RoutesTest::parse).toList();
        assertThat(chunks.getFirst().get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        Set<String> ids = new HashSet<>();
        chunks.forEach(c -> ids.add(c.get("id").asText()));
        assertThat(ids).hasSize(1);
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        for (JsonNode c : chunks) {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            for (JsonNode ch : c.get("choices")) {
                JsonNode d = ch.get("delta");
                if (d.hasNonNull("content")) content.append(d.get("content").asText());
                if (d.hasNonNull("reasoning_content")) reasoning.append(d.get("reasoning_content").asText());
                if (ch.hasNonNull("finish_reason")) finishes.add(ch.get("finish_reason").asText());
            }
        }
        assertThat(content.toString()).isEqualTo("The answer is 42.");
        assertThat(reasoning.toString()).contains("six times seven");
        assertThat(finishes).containsExactly("stop");
        JsonNode last = chunks.getLast();
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage").get("completion_tokens").asLong()).isPositive();
    }

    @Test
    void should_stream_contemplating_agents_in_the_muse_extension_and_only_the_answer_as_content() {
        HttpResponse<String> r = h.post("/v1/chat/completions", chat("muse-contemplating", "What is 6*7?",
                "\"stream\":true,\"muse\":{\"agents\":3}"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> data = Harness.sseData(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        Set<String> startedAgents = new HashSet<>();
        Set<String> streamingAgents = new HashSet<>();
        StringBuilder content = new StringBuilder();
        JsonNode done = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = parse(d);
            assertThat(c.get("choices")).hasSize(1);
            JsonNode delta = c.get("choices").get(0).get("delta");
            if (delta.hasNonNull("content")) content.append(delta.get("content").asText());
            JsonNode m = c.get("muse");
            if (m == null) continue;
            switch (m.get("type").asText()) {
                case "agent_started" -> startedAgents.add(m.get("agent").asText());
                case "agent_delta" -> streamingAgents.add(m.get("agent").asText());
                case "done" -> done = m;
                default -> {}
            }
        }
        assertThat(startedAgents).contains("agent-1", "agent-2", "agent-3");
        // early stop may cancel the last agent once two agree, before it wrote anything
        assertThat(streamingAgents).hasSizeGreaterThanOrEqualTo(2).isSubsetOf(startedAgents);
        assertThat(content.toString()).isEqualTo("The answer is 42.");
        assertThat(done).isNotNull();
        assertThat(done.get("mode").asText()).isEqualTo("contemplating");
        assertThat(done.get("consensus").get("agreement").asDouble()).isEqualTo(1.0);
        assertThat(done.get("usage").get("calls").asInt()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void should_stream_only_the_routed_agents_answer_as_content_in_auto() {
        HttpResponse<String> r = h.post("/v1/chat/completions", chat("muse-auto", "What is 6*7?", "\"stream\":true"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        StringBuilder content = new StringBuilder();
        JsonNode done = null;
        for (String d : Harness.sseData(r.body())) {
            if (d.equals("[DONE]")) continue;
            JsonNode c = parse(d);
            JsonNode delta = c.get("choices").get(0).get("delta");
            if (delta.hasNonNull("content")) content.append(delta.get("content").asText());
            if (c.has("muse") && c.get("muse").get("type").asText().equals("done")) done = c.get("muse");
        }
        assertThat(done).isNotNull();
        assertThat(done.get("requested_mode").asText()).isEqualTo("auto");
        assertThat(done.get("mode").asText()).isIn("instant", "thinking", "contemplating");
        // the router's own output never reaches the answer
        assertThat(content.toString()).isEqualTo("The answer is 42.");
    }

    @Test
    void should_choose_mode_by_muse_field_then_alias_then_reasoning_effort() {
        assertThat(modeOf(chat("muse-thinking", "hi", "\"muse\":{\"mode\":\"instant\"}"))).isEqualTo("instant");
        assertThat(modeOf(chat("muse-instant", "hi", "\"reasoning_effort\":\"medium\""))).isEqualTo("instant");
        assertThat(modeOf(chat("stand-in", "hi", "\"reasoning_effort\":\"low\""))).isEqualTo("thinking");
        assertThat(modeOf(chat("stand-in", "hi", "\"reasoning_effort\":\"minimal\""))).isEqualTo("instant");
    }

    private static String modeOf(String body) {
        HttpResponse<String> r = h.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).get("muse").get("requested_mode").asText();
    }

    @Test
    void should_reject_bad_input_with_a_clear_4xx_and_keep_serving() {
        assertError(h.post("/v1/chat/completions", "{\"model\": \"stand-in\", \"messages\": ["), 400, null, "not valid JSON");
        assertError(h.post("/v1/chat/completions", "{\"model\":\"stand-in\",\"messages\":[]}"), 400, "messages", "empty");
        assertError(h.post("/v1/chat/completions", "{\"model\":\"stand-in\",\"messages\":\"hi\"}"), 400, "messages", "array");
        assertError(h.post("/v1/chat/completions", chat("stand-in", "hi", "\"temperature\":\"hot\"")), 400, "temperature", "number");
        assertError(h.post("/v1/chat/completions", chat("stand-in", "hi", "\"stream\":\"yes\"")), 400, "stream", "true or false");
        assertError(h.post("/v1/chat/completions", chat("stand-in", "hi", "\"frobnicate\":1")), 400, "frobnicate", "Unrecognized");
        assertError(h.post("/v1/chat/completions", chat("gpt-17", "hi", null)), 404, "model", "does not exist");
        assertError(h.post("/v1/chat/completions", chat("stand-in", "hi", "\"muse\":{\"agents\":99}")), 400, "muse.agents", "between 1 and 32");
        assertError(h.post("/v1/chat/completions", chat("stand-in", "hi", "\"muse\":{\"mode\":\"dreaming\"}")), 400, "muse.mode", "unknown mode");
        assertError(h.post("/v1/chat/completions", "{\"model\":\"stand-in\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"),
                400, "messages[0].role", "must be");
        assertError(h.get("/v1/nothing-here"), 404, null, "Unknown endpoint");
        assertError(h.get("/v1/muse/runs/run_doesnotexist"), 404, null, "no run");
        // still serving
        assertThat(h.post("/v1/chat/completions", chat("stand-in", "hi", null)).statusCode()).isEqualTo(200);
    }

    @Test
    void should_answer_413_for_a_10_mb_body_and_keep_serving() {
        String big = "x".repeat(10 * 1024 * 1024);
        HttpResponse<String> r = h.post("/v1/chat/completions", chat("stand-in", big, null));
        assertError(r, 413, null, "larger than");
        // the same without a Content-Length (chunked upload)
        byte[] bytes = chat("stand-in", big, null).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<String> chunked = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.url("/v1/chat/completions")))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build());
        assertError(chunked, 413, null, "larger than");
        assertThat(h.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void should_reject_http_image_urls_unless_enabled_and_accept_data_urls() {
        String http = "{\"model\":\"stand-in\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is this?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://example.com/cat.png\"}}]}]}";
        assertError(h.post("/v1/chat/completions", http), 400, "messages[0].content[1].image_url.url", "data URL");
        String data = http.replace("http://example.com/cat.png", "data:image/png;base64,iVBORw0KGgo=");
        HttpResponse<String> r = h.post("/v1/chat/completions", data);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = h.backend.requests().getLast().body().get("messages");
        assertThat(sent.toString()).contains("data:image/png;base64,iVBORw0KGgo=");
    }

    @Test
    void should_create_list_rename_and_delete_conversations() {
        HttpResponse<String> created = h.post("/v1/muse/conversations", "{\"title\":\"Plans\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String id = json(created).get("id").asText();
        assertThat(json(h.get("/v1/muse/conversations")).get("data").findValuesAsText("id")).contains(id);
        HttpResponse<String> renamed = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.url("/v1/muse/conversations/" + id)))
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"title\":\"Holiday plans\"}")).build());
        assertThat(json(renamed).get("title").asText()).isEqualTo("Holiday plans");
        assertError(h.post("/v1/muse/conversations", "{\"title\":7}"), 400, "title", "string");
        HttpResponse<String> deleted = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.url("/v1/muse/conversations/" + id)))
                .DELETE().build());
        assertThat(json(deleted).get("deleted").asBoolean()).isTrue();
        assertError(h.get("/v1/muse/conversations/" + id), 404, null, "no conversation");
        assertThat(json(h.get("/v1/models/muse-auto")).get("id").asText()).isEqualTo("muse-auto");
        assertError(h.get("/v1/models/gpt-17"), 404, "model", "does not exist");
    }

    @Test
    void should_refuse_to_start_on_a_port_in_use_with_a_clear_message() {
        ServerConfig taken = h.config.withPort(h.server.port());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MuseServer.start(taken, h.muse(), List.of("stand-in")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot start the server on 127.0.0.1:" + h.server.port());
        assertThat(h.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void should_serve_health_metrics_and_the_web_page() {
        assertThat(json(h.get("/healthz")).get("status").asText()).isEqualTo("ok");
        h.post("/v1/chat/completions", chat("muse-instant", "hi", null));
        String metrics = h.get("/metrics").body();
        assertThat(metrics).contains("muse_http_requests_total").contains("muse_tokens_total").contains("mode=\"instant\"");
        HttpResponse<String> page = h.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Muse</title>").contains("/app.js");
        assertThat(h.get("/app.js").body()).contains("reasoning_content");
    }

    static void assertError(HttpResponse<String> r, int status, String param, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = json(r).get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.get("message").asText()).contains(messagePart);
        assertThat(e.get("type").asText()).isNotEmpty();
        assertThat(e.has("param")).isTrue();
        assertThat(e.has("code")).isTrue();
        if (param != null) assertThat(e.get("param").asText()).isEqualTo(param);
        assertThat(r.body()).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    private static JsonNode parse(String s) {
        try {
            return Harness.JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("bad chunk: " + s, e);
        }
    }
}
