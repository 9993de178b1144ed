package dev.muse.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.core.Capabilities;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.ModelException;
import dev.muse.core.StreamListener;
import dev.muse.reasoning.Mode;
import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import dev.muse.testkit.StandInOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness end to end: a real OpenAI client talking to a loopback stand-in whose accuracy is known. */
class EvalRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A custom numeric set of n arithmetic items, and the answer key the stand-in knows. */
    private static Map<String, String> arithmetic(Path file, int n) throws Exception {
        Map<String, String> key = new LinkedHashMap<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            int a = 10 + (i * 7) % 50;
            int b = 3 + (i * 13) % 40;
            String q = "Item " + i + ". What is " + a + " + " + b + "?";
            key.put(q, Integer.toString(a + b));
            sb.append(JSON.writeValueAsString(Map.of("id", "q" + i, "question", q, "answer", Integer.toString(a + b), "scorer", "numeric"))).append('\n');
        }
        Files.writeString(file, sb.toString());
        return key;
    }

    private static OpenAiChatModel client(StandInOpenAiServer server) {
        return new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), "test-key", "stand-in").withMaxRetries(0));
    }

    private static EvalConfig.Builder config(Path data, Path out) {
        return EvalConfig.builder("custom", data).outDir(out).probes(false).concurrency(4).retries(0);
    }

    private static List<JsonNode> samples(Path out) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("samples.jsonl"))) lines.add(JSON.readTree(l));
        return lines;
    }

    @Test
    void should_recover_a_noisy_solvers_accuracy_within_its_confidence_interval(@TempDir Path tmp) throws Exception {
        Map<String, String> key = arithmetic(tmp.resolve("set.jsonl"), 120);
        NoisySolver solver = new NoisySolver(key, 0.7, 11);
        List<ProgressListener.Progress> progress = new ArrayList<>();
        try (var server = StandInOpenAiServer.start(solver)) {
            EvalResults r = EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("out")).modes(List.of(Mode.INSTANT)).build(),
                    client(server), null, p -> progress.add(p));

            EvalResults.ModeSummary m = r.modes().getFirst();
            double truth = solver.correctServed() / (double) (solver.correctServed() + solver.wrongServed());
            assertThat(solver.unknownServed()).isZero();
            assertThat(m.n()).isEqualTo(120);
            assertThat(m.errors()).isZero();
            // the harness scores exactly what the stand-in served ...
            assertThat(m.accuracy()).isEqualTo(truth);
            // ... and its interval covers the solver's true accuracy
            assertThat(0.7).isBetween(m.ciLow(), m.ciHigh());
            assertThat(m.ciHigh() - m.ciLow()).isLessThan(0.2);
            assertThat(m.calls()).isEqualTo(120);
            assertThat(m.outputTokensMean()).isPositive();
            assertThat(progress.getLast().done()).isEqualTo(120);
            assertThat(progress.getLast().total()).isEqualTo(120);
            assertThat(progress.getLast().accuracy()).isEqualTo(truth);
        }
        JsonNode results = JSON.readTree(tmp.resolve("out/results.json").toFile());
        JsonNode instant = results.path("modes").path("instant");
        for (String f : List.of("accuracy", "ci95", "n", "errors", "output_tokens_mean", "reasoning_tokens_mean", "latency_ms_p50",
                "latency_ms_p95", "calls")) {
            assertThat(instant.has(f)).as("results.json modes.instant." + f).isTrue();
        }
        assertThat(instant.path("ci95").size()).isEqualTo(2);
        assertThat(results.path("omitted").path("contemplating").asText()).contains("not requested");

        List<JsonNode> lines = samples(tmp.resolve("out"));
        assertThat(lines).hasSize(120);
        JsonNode s = lines.getFirst();
        assertThat(s.path("mode").asText()).isEqualTo("instant");
        assertThat(s.path("epoch").asInt()).isZero();
        assertThat(s.path("run_id").asText()).isNotBlank();
        assertThat(s.path("extracted").asText()).isNotBlank();
        assertThat(s.path("trace").path("kind").asText()).isEqualTo("run");
        assertThat(s.path("usage_reports").asInt()).isEqualTo(s.path("backend_calls").size());
        JsonNode call = s.path("backend_calls").get(0);
        assertThat(call.path("prompt").toString()).contains(s.path("prompt").asText().substring(0, 10));
        assertThat(call.path("outputs").get(0).path("text").asText()).contains("Final answer:");
        assertThat(call.path("usage").path("output_tokens").asLong()).isPositive();

        String html = Files.readString(tmp.resolve("out/report.html"));
        assertThat(html).contains("<svg").contains("instant").doesNotContain("<script").doesNotContain("src=").doesNotContain("href=");
    }

    /** Thinking requests carry Muse's system prompt, Instant requests do not: each mode gets its own solver. */
    private static Responder byMode(Responder instant, Responder thinking) {
        return req -> req.messages().getFirst().role().equals("system") ? thinking.reply(req) : instant.reply(req);
    }

    @Test
    void should_detect_a_real_gap_between_modes(@TempDir Path tmp) throws Exception {
        Map<String, String> key = arithmetic(tmp.resolve("set.jsonl"), 30);
        try (var server = StandInOpenAiServer.start(byMode(new NoisySolver(key, 0.3, 1), new NoisySolver(key, 0.9, 2)))) {
            EvalResults r = EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("out")).modes(List.of(Mode.INSTANT, Mode.THINKING))
                    .concurrency(1).build(), client(server), null, null);
            assertThat(r.comparisons()).singleElement().satisfies(p -> {
                assertThat(p.significant()).isTrue();
                assertThat(p.betterB()).isGreaterThan(p.betterA());
                assertThat(p.sentence()).startsWith("thinking beats instant");
            });
            assertThat(TerminalTable.render(r)).contains("thinking beats instant").contains("instant").contains("thinking");
        }
    }

    @Test
    void should_not_invent_a_gap_between_equally_good_modes(@TempDir Path tmp) throws Exception {
        Map<String, String> key = arithmetic(tmp.resolve("set.jsonl"), 40);
        try (var server = StandInOpenAiServer.start(byMode(new NoisySolver(key, 0.7, 3), new NoisySolver(key, 0.7, 4)))) {
            EvalResults r = EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("out")).modes(List.of(Mode.INSTANT, Mode.THINKING))
                    .concurrency(1).build(), client(server), null, null);
            assertThat(r.comparisons()).singleElement().satisfies(p -> {
                assertThat(p.significant()).isFalse();
                assertThat(p.sentence()).startsWith("No significant difference");
            });
        }
    }

    /** The backend as a crash sees it: after {@code okCalls} calls every call fails as a revoked key would. */
    private static final class DiesAfter implements ChatModel {
        final ChatModel inner;
        final int okCalls;
        final AtomicInteger calls = new AtomicInteger();

        DiesAfter(ChatModel inner, int okCalls) {
            this.inner = inner;
            this.okCalls = okCalls;
        }

        public String name() {
            return inner.name();
        }

        public Capabilities capabilities() {
            return inner.capabilities();
        }

        public ChatResponse generate(ChatRequest request, StreamListener listener) {
            if (calls.incrementAndGet() > okCalls) throw new ModelException(name(), ModelException.Kind.AUTH, "401 key revoked", null);
            return inner.generate(request, listener);
        }
    }

    @Test
    void should_resume_after_a_mid_run_stop_and_a_torn_line_losing_and_duplicating_nothing(@TempDir Path tmp) throws Exception {
        Map<String, String> key = arithmetic(tmp.resolve("set.jsonl"), 40);
        Path out = tmp.resolve("out");
        List<Mode> modes = List.of(Mode.INSTANT, Mode.THINKING);
        try (var server = StandInOpenAiServer.start(new NoisySolver(key, 0.6, 5))) {
            // first run: the backend starts failing after 30 calls and the run stops with a clear message
            assertThatThrownBy(() -> EvalRunner.run(config(tmp.resolve("set.jsonl"), out).modes(modes).epochs(2).build(),
                    new DiesAfter(client(server), 30), null, null))
                    .isInstanceOf(EvalException.class).hasMessageContaining("key revoked").hasMessageContaining("--resume");
            List<JsonNode> partial = samples(out);
            assertThat(partial.size()).isBetween(20, 30);
            // and the crash tore the last line in half, as kill -9 during a write would
            String text = Files.readString(out.resolve("samples.jsonl"));
            Files.writeString(out.resolve("samples.jsonl"), text + text.lines().toList().getLast().substring(0, 50));

            // without --resume the folder is protected
            assertThatThrownBy(() -> EvalRunner.run(config(tmp.resolve("set.jsonl"), out).modes(modes).epochs(2).build(), client(server), null, null))
                    .isInstanceOf(EvalException.class).hasMessageContaining("pass --resume");
            // resuming with other settings would mix two runs
            assertThatThrownBy(() -> EvalRunner.run(config(tmp.resolve("set.jsonl"), out).modes(modes).epochs(3).resume(true).build(),
                    client(server), null, null))
                    .isInstanceOf(EvalException.class).hasMessageContaining("epochs was 2, now 3");

            int before = server.requests().size();
            EvalResults r = EvalRunner.run(config(tmp.resolve("set.jsonl"), out).modes(modes).epochs(2).resume(true).build(), client(server), null, null);
            int made = server.requests().size() - before;

            List<JsonNode> all = samples(out);
            Set<String> keys = new HashSet<>();
            for (JsonNode s : all) assertThat(keys.add(s.path("key").asText())).as("duplicate " + s.path("key")).isTrue();
            assertThat(all).hasSize(40 * 2 * 2);
            for (int i = 1; i <= 40; i++) {
                for (String m : List.of("instant", "thinking")) {
                    for (int e = 0; e < 2; e++) assertThat(keys).contains("main|q" + i + "|" + m + "|" + e);
                }
            }
            // only the missing samples ran (some first-run calls were answered by the cache)
            assertThat(made).isLessThanOrEqualTo(160 - partial.size());
            assertThat(r.modes()).allSatisfy(m -> assertThat(m.n()).isEqualTo(80));
            assertThat(r.notes()).anyMatch(n -> n.contains("cut 1 half-written line"));
            assertThat(r.modes().getFirst().passAtK()).containsKeys(1, 2);
            assertThat(r.modes().getFirst().majorityAtK()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void should_count_failed_items_as_errors_in_the_denominator(@TempDir Path tmp) throws Exception {
        Map<String, String> key = arithmetic(tmp.resolve("set.jsonl"), 20);
        NoisySolver solver = new NoisySolver(key, 1.0, 6);
        Responder flaky = req -> req.allText().contains("Item 3.") || req.allText().contains("Item 7.") ? Reply.serverError() : solver.reply(req);
        try (var server = StandInOpenAiServer.start(flaky)) {
            EvalResults r = EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("out")).modes(List.of(Mode.INSTANT)).retries(1).build(),
                    client(server), null, null);
            EvalResults.ModeSummary m = r.modes().getFirst();
            assertThat(m.n()).isEqualTo(20);
            assertThat(m.errors()).isEqualTo(2);
            assertThat(m.accuracy()).isEqualTo(18 / 20.0);
            JsonNode failed = samples(tmp.resolve("out")).stream().filter(s -> s.path("id").asText().equals("q3")).findFirst().orElseThrow();
            assertThat(failed.path("status").asText()).isEqualTo("error");
            assertThat(failed.path("attempts").asInt()).isEqualTo(2);
            assertThat(failed.path("error").asText()).isNotBlank();
        }
    }

    @Test
    void should_answer_a_rerun_from_the_response_cache(@TempDir Path tmp) throws Exception {
        Map<String, String> key = arithmetic(tmp.resolve("set.jsonl"), 15);
        try (var server = StandInOpenAiServer.start(new NoisySolver(key, 0.5, 7))) {
            Path cache = tmp.resolve("cache");
            EvalResults first = EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("a")).modes(List.of(Mode.INSTANT, Mode.THINKING))
                    .cacheDir(cache).build(), client(server), null, null);
            int calls = server.requests().size();
            EvalResults second = EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("b")).modes(List.of(Mode.INSTANT, Mode.THINKING))
                    .cacheDir(cache).build(), client(server), null, null);
            assertThat(server.requests()).hasSize(calls);
            for (int i = 0; i < 2; i++) {
                assertThat(second.modes().get(i).accuracy()).isEqualTo(first.modes().get(i).accuracy());
                assertThat(second.modes().get(i).outputTokensTotal()).isEqualTo(first.modes().get(i).outputTokensTotal());
            }
            assertThat(samples(tmp.resolve("b"))).allSatisfy(s -> assertThat(s.path("backend_calls").get(0).path("cached").asBoolean()).isTrue());
        }
    }

    @Test
    void should_stop_with_one_clear_message_for_a_bad_key(@TempDir Path tmp) throws Exception {
        arithmetic(tmp.resolve("set.jsonl"), 5);
        try (var server = StandInOpenAiServer.start(r -> Reply.text("x")).requireApiKey("right-key")) {
            assertThatThrownBy(() -> EvalRunner.run(config(tmp.resolve("set.jsonl"), tmp.resolve("out")).modes(List.of(Mode.INSTANT)).build(),
                    client(server), null, null))
                    .isInstanceOf(EvalException.class).hasMessageContaining("backend refused");
        }
    }

}
