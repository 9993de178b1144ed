package dev.muse.server;

import static dev.muse.server.Harness.chat;
import static dev.muse.server.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import java.net.http.HttpResponse;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Conversations, messages and runs survive a restart: on the default H2 file database always, and on PostgreSQL
 * when {@code MUSE_TEST_PG_URL} names one (e.g. {@code jdbc:postgresql://127.0.0.1:5432/muse_test?user=muse&password=muse}).
 */
class PersistenceTest {

    @Test
    void should_show_every_conversation_after_a_restart_on_h2() {
        survivesRestart(c -> c);
    }

    @Test
    void should_show_every_conversation_after_a_restart_on_postgresql() {
        survivesRestart(Harness.postgres());
    }

    private static void survivesRestart(UnaryOperator<ServerConfig> db) {
        try (Harness h = Harness.start(Responder.always(Reply.text("```svg\n<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"4\"/></svg>\n```")
                .withReasoning("draw a dot")), db)) {
            String conv = json(h.post("/v1/muse/conversations", "{}")).get("id").asText();
            HttpResponse<String> r = h.post("/v1/chat/completions",
                    chat("muse-thinking", "Draw a dot", "\"muse\":{\"conversation_id\":\"" + conv + "\"}"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String run = r.headers().firstValue("x-muse-run-id").orElseThrow();

            h.restart();

            JsonNode list = json(h.get("/v1/muse/conversations"));
            assertThat(list.get("data").findValuesAsText("id")).contains(conv);
            JsonNode c = json(h.get("/v1/muse/conversations/" + conv));
            assertThat(c.get("title").asText()).isEqualTo("Draw a dot");
            JsonNode messages = c.get("messages");
            assertThat(messages).hasSize(2);
            assertThat(messages.get(0).get("role").asText()).isEqualTo("user");
            assertThat(messages.get(0).get("content").asText()).isEqualTo("Draw a dot");
            assertThat(messages.get(1).get("role").asText()).isEqualTo("assistant");
            assertThat(messages.get(1).get("content").asText()).contains("<svg");
            assertThat(messages.get(1).get("run_id").asText()).isEqualTo(run);
            assertThat(messages.get(1).get("meta").get("usage").get("completion_tokens").asLong()).isPositive();
            JsonNode runJson = json(h.get("/v1/muse/runs/" + run));
            assertThat(runJson.get("status").asText()).isEqualTo("completed");
            assertThat(runJson.get("artifacts").get(0).get("kind").asText()).isEqualTo("svg");
            assertThat(runJson.get("trace").get("children")).isNotEmpty();
        }
    }
}
