package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import dev.muse.testkit.StandInOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code muse ask} end to end: the packaged jar against a loopback server speaking the OpenAI protocol. */
class AskCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "What is 17 * 23?";

    @TempDir
    Path dir;

    StandInOpenAiServer server;

    @BeforeEach
    void start() {
        server = StandInOpenAiServer.start(new NoisySolver(Map.of(QUESTION, "391"), 1.0, 7)).models("stand-in");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"instant", "thinking", "contemplating", "auto"})
    void should_answer_in_every_mode_with_the_documented_json_shape(String mode) throws Exception {
        var r = MuseProcess.run(dir, Map.of(), "ask", "--mode", mode, "--agents", "3", "--base-url", server.baseUrl(),
                "--model", "stand-in", "--json", QUESTION);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode j = JSON.readTree(r.stdout());
        assertThat(j.get("answer").asText()).contains("391");
        assertThat(j.get("mode").asText()).isIn("instant", "thinking", "contemplating");
        if (!mode.equals("auto")) assertThat(j.get("mode").asText()).isEqualTo(mode);
        assertThat(j.get("usage").get("input_tokens").asLong()).isPositive();
        assertThat(j.get("usage").get("output_tokens").asLong()).isPositive();
        assertThat(j.get("usage").has("reasoning_tokens")).isTrue();
        assertThat(j.get("agents").isArray()).isTrue();
        assertThat(j.get("elapsed_ms").asLong()).isNotNegative();
        long sumOfAgents = 0;
        for (JsonNode a : j.get("agents")) {
            assertThat(a.has("id")).isTrue();
            assertThat(a.has("answer")).isTrue();
            sumOfAgents += a.get("usage").get("output_tokens").asLong();
        }
        assertThat(sumOfAgents).isLessThanOrEqualTo(j.get("usage").get("output_tokens").asLong());
        if (mode.equals("contemplating")) {
            assertThat(j.get("agents")).hasSizeGreaterThanOrEqualTo(3);
            assertThat(j.get("consensus").get("answer").asText()).contains("391");
            assertThat(j.get("consensus").get("agreement").asDouble()).isEqualTo(1.0);
            assertThat(j.get("consensus").get("clusters").isArray()).isTrue();
        }
        // every backend call the run made is in the usage
        assertThat(j.get("usage").get("calls").asInt()).isEqualTo(server.requests().size());
    }

    @Test
    void should_print_the_answer_on_stdout_and_progress_on_stderr() throws Exception {
        var r = MuseProcess.run(dir, Map.of("MUSE_BASE_URL", server.baseUrl(), "MUSE_MODEL", "stand-in"),
                "ask", "--mode", "thinking", QUESTION);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout().strip()).contains("391");
        assertThat(r.stderr()).contains("thinking");
    }

    @Test
    void should_read_backends_from_muse_yaml() throws Exception {
        Files.writeString(dir.resolve("muse.yaml"), """
                default_backend: standin
                backends:
                  standin:
                    type: openai
                    base_url: %s
                    model: stand-in
                """.formatted(server.baseUrl()));
        var r = MuseProcess.run(dir, Map.of(), "ask", "--mode", "instant", "--json", QUESTION);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(JSON.readTree(r.stdout()).get("answer").asText()).contains("391");
    }

    @Test
    void should_fail_with_one_clear_line_for_bad_input() throws Exception {
        var unknownMode = MuseProcess.run(dir, Map.of(), "ask", "--mode", "pondering", "--base-url", server.baseUrl(), "--model", "m", QUESTION);
        var zeroAgents = MuseProcess.run(dir, Map.of(), "ask", "--agents", "0", "--base-url", server.baseUrl(), "--model", "m", QUESTION);
        var empty = MuseProcess.run(dir, Map.of(), "ask", "--base-url", server.baseUrl(), "--model", "m", "  ");
        var noBackend = MuseProcess.run(dir, Map.of(), "ask", QUESTION);

        assertOneLineError(unknownMode, "unknown --mode 'pondering'");
        assertOneLineError(zeroAgents, "--agents must be between 1 and 32");
        assertOneLineError(empty, "question is empty");
        assertOneLineError(noBackend, "--base-url");
    }

    @Test
    void should_say_which_backend_failed_when_unreachable_or_the_key_is_wrong() throws Exception {
        var unreachable = MuseProcess.run(dir, Map.of(), "ask", "--mode", "instant", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", QUESTION);
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr()).contains("127.0.0.1:9").doesNotContain("\tat ");

        try (var guarded = StandInOpenAiServer.start(Responder.always(Reply.text("hi"))).requireApiKey("right")) {
            var wrongKey = MuseProcess.run(dir, Map.of(), "ask", "--mode", "instant", "--base-url", guarded.baseUrl(),
                    "--model", "m", "--api-key", "wrong", QUESTION);
            assertThat(wrongKey.exitCode()).isEqualTo(1);
            assertThat(wrongKey.stderr()).containsIgnoringCase("key").doesNotContain("\tat ");
        }
    }

    @Test
    void should_run_contemplating_on_anthropic_with_the_key_from_the_environment() throws Exception {
        try (var anthropic = dev.muse.testkit.StandInAnthropicServer.start(new NoisySolver(Map.of(QUESTION, "391"), 1.0, 9))
                .requireApiKey("sk-ant-test")) {
            var r = MuseProcess.run(dir, Map.of("ANTHROPIC_API_KEY", "sk-ant-test"), "ask", "--backend", "anthropic",
                    "--base-url", anthropic.baseUrl(), "--model", "claude-test", "--mode", "contemplating", "--agents", "3", "--json", QUESTION);

            assertThat(r.exitCode()).as(r.stderr()).isZero();
            JsonNode j = JSON.readTree(r.stdout());
            assertThat(j.at("/consensus/answer").asText()).isEqualTo("391");
            assertThat(j.at("/usage/calls").asInt()).isEqualTo(anthropic.requests().size());
        }
    }

    @Test
    void should_spread_agents_over_a_mixture_of_backends_and_consult_the_judge_when_they_disagree() throws Exception {
        try (var right = StandInOpenAiServer.start(new NoisySolver(Map.of(QUESTION, "391"), 1.0, 1)).models("right");
                var wrong = StandInOpenAiServer.start(new NoisySolver(Map.of(QUESTION, "391"), 0.0, 2)).models("wrong");
                var judge = StandInOpenAiServer.start(r -> Reply.text("Candidate A checks out: 17 * 23 = 391.\nFinal answer: A")).models("judge")) {
            Files.writeString(dir.resolve("muse.yaml"), """
                    backends:
                      a: {base_url: "%s", model: right}
                      b: {base_url: "%s", model: wrong}
                      j: {base_url: "%s", model: judge}
                    """.formatted(right.baseUrl(), wrong.baseUrl(), judge.baseUrl()));
            var r = MuseProcess.run(dir, Map.of(), "ask", "--backend", "a", "--agent-backends", "a,b", "--judge", "j",
                    "--mode", "contemplating", "--agents", "4", "--no-early-stop", "--json", QUESTION);

            assertThat(r.exitCode()).as(r.stderr()).isZero();
            JsonNode j = JSON.readTree(r.stdout());
            assertThat(right.requests()).isNotEmpty();
            assertThat(wrong.requests()).isNotEmpty();
            assertThat(judge.requests()).isNotEmpty();
            assertThat(j.at("/consensus/clusters")).hasSizeGreaterThanOrEqualTo(2);
            assertThat(j.at("/usage/calls").asInt()).isEqualTo(right.requests().size() + wrong.requests().size() + judge.requests().size());
        }
    }

    @Test
    void should_name_an_unknown_judge_backend() throws Exception {
        var r = MuseProcess.run(dir, Map.of(), "ask", "--judge", "nope", "--base-url", server.baseUrl(), "--model", "stand-in", QUESTION);
        assertOneLineError(r, "--judge names 'nope'");
    }

    private static void assertOneLineError(MuseProcess.Result r, String expected) {
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
        assertThat(r.stderr()).contains(expected).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.stdout()).isEmpty();
    }
}
