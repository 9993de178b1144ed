package dev.muse.server;

import static dev.muse.server.Harness.chat;
import static dev.muse.server.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** API keys: hashed storage, loopback-only without keys, per-key isolation, rate limit and quota. */
class KeysAndIsolationTest {

    @Test
    void should_create_list_and_revoke_keys_storing_only_their_hash() throws Exception {
        Path dir = Files.createTempDirectory("muse-keys");
        ServerConfig cfg = ServerConfig.defaults().withDataDir(dir);
        try (ApiKeys keys = ApiKeys.open(cfg)) {
            ApiKeys.CreatedKey alice = keys.create("alice");
            assertThat(alice.key()).startsWith("muse-" + alice.id() + "-");
            assertThat(keys.list()).extracting(ApiKeys.KeyInfo::name).containsExactly("alice");
            assertThat(keys.list().getFirst().active()).as("a new key is listed as active").isTrue();
            assertThat(keys.list().getFirst().revokedAt()).isNull();
            assertThat(keys.authenticate(alice.key())).isPresent();
            try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("muse") + ";AUTO_SERVER=TRUE");
                    ResultSet rs = c.createStatement().executeQuery("SELECT * FROM api_keys")) {
                rs.next();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    assertThat(String.valueOf(rs.getObject(i))).doesNotContain(alice.key());
                }
            }
            assertThat(keys.revoke(alice.id())).isTrue();
            assertThat(keys.revoke(alice.id())).isFalse();
            assertThat(keys.authenticate(alice.key())).isEmpty();
            assertThat(keys.list().getFirst().active()).isFalse();
            assertThat(keys.list().getFirst().revokedAt()).isAfterOrEqualTo(keys.list().getFirst().createdAt());
            assertThatThrownBy(() -> keys.create(" ")).hasMessageContaining("needs a name");
        }
    }

    @Test
    void should_refuse_to_listen_beyond_loopback_without_keys() throws Exception {
        Path dir = Files.createTempDirectory("muse-keys");
        ServerConfig cfg = ServerConfig.defaults().withDataDir(dir).withPort(0).withHost("0.0.0.0");
        try (Harness h = Harness.start(Responder.always(Reply.text("x")))) {
            assertThatThrownBy(() -> MuseServer.start(cfg, h.muse(), List.of("stand-in")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without API keys")
                    .hasMessageContaining("muse keys create");
            try (ApiKeys keys = ApiKeys.open(cfg)) {
                keys.create("ops");
            }
            try (MuseServer s = MuseServer.start(cfg, h.muse(), List.of("stand-in"))) {
                assertThat(s.port()).isPositive();
            }
        }
    }

    @Test
    void should_keep_each_keys_conversations_and_runs_to_itself() {
        isolation(c -> c);
    }

    @Test
    void should_keep_each_keys_conversations_and_runs_to_itself_on_postgresql() {
        isolation(Harness.postgres());
    }

    private static void isolation(java.util.function.UnaryOperator<ServerConfig> db) {
        try (Harness h = Harness.start(Responder.always(Reply.text("Hello from Muse")), db)) {
            String a;
            String b;
            try (ApiKeys keys = ApiKeys.open(h.config)) {
                a = keys.create("a").key();
                b = keys.create("b").key();
            }
            HttpResponse<String> none = h.get("/v1/muse/conversations");
            RoutesTest.assertError(none, 401, null, "API key");
            RoutesTest.assertError(h.get("/v1/models", "muse-bogus-key"), 401, null, "Incorrect API key");

            String conv = json(h.post("/v1/muse/conversations", "{\"title\":\"A's secret\"}", a)).get("id").asText();
            HttpResponse<String> done = h.post("/v1/chat/completions",
                    chat("muse-instant", "hi", "\"muse\":{\"conversation_id\":\"" + conv + "\"}"), a);
            assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
            String run = done.headers().firstValue("x-muse-run-id").orElseThrow();

            JsonNode mine = json(h.get("/v1/muse/conversations/" + conv, a));
            assertThat(mine.get("messages")).hasSize(2);
            assertThat(h.get("/v1/muse/runs/" + run, a).statusCode()).isEqualTo(200);

            RoutesTest.assertError(h.get("/v1/muse/conversations/" + conv, b), 404, null, "no conversation");
            RoutesTest.assertError(h.get("/v1/muse/runs/" + run, b), 404, null, "no run");
            assertThat(json(h.get("/v1/muse/conversations", b)).get("data")).isEmpty();
            RoutesTest.assertError(h.post("/v1/chat/completions",
                    chat("muse-instant", "hi", "\"muse\":{\"conversation_id\":\"" + conv + "\"}"), b), 404, "muse.conversation_id", "no conversation");
            assertThat(json(h.get("/v1/muse/conversations/" + conv, a)).get("messages")).hasSize(2);
        }
    }

    @Test
    void should_answer_429_past_the_rate_limit() {
        try (Harness h = Harness.start(Responder.always(Reply.text("ok")), c -> c.withRequestsPerMinute(2))) {
            assertThat(h.post("/v1/chat/completions", chat("muse-instant", "1", null)).statusCode()).isEqualTo(200);
            assertThat(h.post("/v1/chat/completions", chat("muse-instant", "2", null)).statusCode()).isEqualTo(200);
            HttpResponse<String> third = h.post("/v1/chat/completions", chat("muse-instant", "3", null));
            RoutesTest.assertError(third, 429, null, "2 requests per minute");
            assertThat(h.get("/v1/models").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void should_answer_429_when_a_keys_token_quota_is_used_up() {
        try (Harness h = Harness.start(Responder.always(Reply.text("ok").withUsage(10, 5, 0)), c -> c.withTokenQuota(20))) {
            String a;
            String b;
            try (ApiKeys keys = ApiKeys.open(h.config)) {
                a = keys.create("a").key();
                b = keys.create("b").key();
            }
            assertThat(h.post("/v1/chat/completions", chat("muse-instant", "1", null), a).statusCode()).isEqualTo(200);
            assertThat(h.post("/v1/chat/completions", chat("muse-instant", "2", null), a).statusCode()).isEqualTo(200);
            RoutesTest.assertError(h.post("/v1/chat/completions", chat("muse-instant", "3", null), a), 429, null, "quota");
            // another key has its own quota
            assertThat(h.post("/v1/chat/completions", chat("muse-instant", "4", null), b).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void should_require_a_key_for_metrics_once_keys_exist() {
        try (Harness h = Harness.start(Responder.always(Reply.text("ok")))) {
            String key;
            try (ApiKeys keys = ApiKeys.open(h.config)) {
                key = keys.create("prometheus").key();
            }
            RoutesTest.assertError(h.get("/metrics"), 401, null, "API key");
            RoutesTest.assertError(h.get("/metrics", "muse-bogus-key"), 401, null, "Incorrect API key");
            HttpResponse<String> scraped = h.get("/metrics", key);
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.body()).contains("muse_http_requests_total");
            assertThat(h.get("/healthz").statusCode()).isEqualTo(200); // liveness stays open for probes
        }
    }

    @Test
    void should_cap_each_run_at_the_tokens_left_in_the_keys_quota() {
        // every backend call reports 80 tokens; the key may spend 100
        try (Harness h = Harness.start(Responder.always(Reply.text("ok").withUsage(30, 50, 0)), c -> c.withTokenQuota(100))) {
            String a;
            try (ApiKeys keys = ApiKeys.open(h.config)) {
                a = keys.create("a").key();
            }
            HttpResponse<String> first = h.post("/v1/chat/completions", chat("muse-instant", "1", null), a);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(json(first).at("/muse/budget_exceeded").asBoolean()).isFalse();
            assertThat(h.backend.requests().get(0).body().path("max_tokens").asLong()).isBetween(1L, 100L);

            // 20 tokens left: the backend is asked for at most 20, and the run is flagged when the call overshoots
            HttpResponse<String> second = h.post("/v1/chat/completions", chat("muse-instant", "2", null), a);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
            assertThat(h.backend.requests().get(1).body().path("max_tokens").asLong()).isBetween(1L, 20L);
            assertThat(json(second).at("/muse/budget_exceeded").asBoolean()).as(second.body()).isTrue();

            RoutesTest.assertError(h.post("/v1/chat/completions", chat("muse-instant", "3", null), a), 429, null, "quota");
            assertThat(h.backend.requests()).hasSize(2);
        }
    }
}
