package dev.muse.server;

import static dev.muse.server.Harness.chat;
import static dev.muse.server.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Server-side tools run inside Muse and show in the stream and the trace; a killed run loses no sent message. */
class ToolsAndCrashTest {

    /** A real tool, run by Muse's tool runtime. */
    static final class Add implements Tool {
        @Override
        public ToolSpec spec() {
            return new ToolSpec("add", "adds two integers", Map.of("type", "object",
                    "properties", Map.of("a", Map.of("type", "integer"), "b", Map.of("type", "integer")),
                    "required", List.of("a", "b")));
        }

        @Override
        public String call(JsonNode arguments, ToolContext context) {
            return Long.toString(arguments.get("a").asLong() + arguments.get("b").asLong());
        }
    }

    @Test
    void should_run_server_side_tools_and_show_them_in_the_stream_and_trace() {
        Responder r = Responder.sequence(Reply.toolCalls(new ToolCall("call_1", "add", "{\"a\":2,\"b\":3}")), Reply.text("2 + 3 = 5"));
        try (Harness h = Harness.start(r, c -> c, List.of(new Add()))) {
            HttpResponse<String> resp = h.post("/v1/chat/completions",
                    chat("muse-thinking", "What is 2+3? Use the add tool.", "\"stream\":true,\"muse\":{\"tools\":[\"add\"]}"));
            assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
            List<JsonNode> museEvents = new ArrayList<>();
            StringBuilder content = new StringBuilder();
            for (String d : Harness.sseData(resp.body())) {
                if (d.equals("[DONE]")) continue;
                JsonNode c = Harness.parse(d);
                if (c.has("muse")) museEvents.add(c.get("muse"));
                JsonNode delta = c.get("choices").get(0).get("delta");
                if (delta.hasNonNull("content")) content.append(delta.get("content").asText());
            }
            assertThat(museEvents).anySatisfy(e -> {
                assertThat(e.get("type").asText()).isEqualTo("tool_call");
                assertThat(e.get("name").asText()).isEqualTo("add");
            });
            assertThat(museEvents).anySatisfy(e -> {
                assertThat(e.get("type").asText()).isEqualTo("tool_result");
                assertThat(e.get("result").asText()).isEqualTo("5");
            });
            assertThat(content.toString()).contains("5");
            // the backend got the tool's result back
            assertThat(h.backend.requests().get(1).body().get("messages").toString()).contains("\"role\":\"tool\"");
            String runId = resp.headers().firstValue("x-muse-run-id").orElseThrow();
            assertThat(json(h.get("/v1/muse/runs/" + runId)).get("trace").toString()).contains("\"kind\":\"tool\"");
        }
    }

    @Test
    void should_reject_an_unknown_server_side_tool_with_400() {
        try (Harness h = Harness.start(Responder.always(Reply.text("x")))) {
            RoutesTest.assertError(h.post("/v1/chat/completions", chat("muse-thinking", "hi", "\"muse\":{\"tools\":[\"rm_rf\"]}")),
                    400, "muse.tools", "unknown tool");
        }
    }

    @Test
    void should_keep_the_users_message_and_close_the_run_when_the_server_dies_mid_run() throws Exception {
        try (Harness h = Harness.start(Responder.always(Reply.text("word ".repeat(300)).withTokenDelay(Duration.ofMillis(20))))) {
            String conv = json(h.post("/v1/muse/conversations", "{}")).get("id").asText();
            HttpRequest req = HttpRequest.newBuilder(URI.create(h.url("/v1/chat/completions")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(chat("muse-instant", "Tell me a long story",
                            "\"stream\":true,\"muse\":{\"conversation_id\":\"" + conv + "\"}")))
                    .build();
            HttpResponse<InputStream> resp = h.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            InputStream in = resp.body();
            byte[] first = in.readNBytes(200); // the answer is streaming now
            assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("data: ");
            String runId = resp.headers().firstValue("x-muse-run-id").orElseThrow();

            // committed before the answer: visible while the run is still going
            JsonNode during = json(h.get("/v1/muse/conversations/" + conv)).get("messages");
            assertThat(during).hasSize(1);
            assertThat(during.get(0).get("content").asText()).isEqualTo("Tell me a long story");

            h.restart(); // the server goes away mid-run
            in.close();

            JsonNode after = json(h.get("/v1/muse/conversations/" + conv)).get("messages");
            assertThat(after.get(0).get("content").asText()).isEqualTo("Tell me a long story");
            assertThat(json(h.get("/v1/muse/runs/" + runId)).get("status").asText()).isEqualTo("cancelled");
        }
    }
}
