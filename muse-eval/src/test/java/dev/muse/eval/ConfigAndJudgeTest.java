package dev.muse.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.reasoning.Mode;
import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.Reply;
import dev.muse.testkit.StandInOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigAndJudgeTest {

    @Test
    void should_explain_bad_settings() {
        assertThatThrownBy(() -> EvalConfig.builder("gsm8k", Path.of("x")).epochs(0).build())
                .isInstanceOf(EvalException.class).hasMessageContaining("--epochs must be between 1 and 100");
        assertThatThrownBy(() -> EvalConfig.builder("gsm8k", Path.of("x")).concurrency(0).build())
                .isInstanceOf(EvalException.class).hasMessageContaining("--concurrency");
        assertThatThrownBy(() -> PriceTable.parse("cheap")).isInstanceOf(EvalException.class).hasMessageContaining("0.15/0.60");
        assertThat(PriceTable.parse("0.15/0.60").cost(1_000_000, 2_000_000)).isEqualTo(0.15 + 1.20);
        assertThat(PriceTable.parse("input=1,output=4")).isEqualTo(new PriceTable(1, 4));
        assertThat(EvalConfig.builder("gsm8k", Path.of("x")).build().modes()).containsExactly(Mode.INSTANT, Mode.THINKING, Mode.CONTEMPLATING);
    }

    @Test
    void should_require_a_judge_for_judge_items(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("c.jsonl"), "{\"question\": \"Why is the sky blue?\", \"answer\": \"Rayleigh scattering\", \"scorer\": \"judge\"}\n");
        try (var server = StandInOpenAiServer.start(r -> Reply.text("x"))) {
            var model = new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), "k", "m"));
            assertThatThrownBy(() -> EvalRunner.run(EvalConfig.builder("custom", tmp.resolve("c.jsonl")).outDir(tmp.resolve("o")).build(),
                    model, null, null)).isInstanceOf(EvalException.class).hasMessageContaining("no judge model is configured");
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void should_score_judge_items_with_the_judge_and_keep_its_calls(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String q1 = "Why is the sky blue?";
        String q2 = "Why do leaves fall?";
        Files.writeString(tmp.resolve("c.jsonl"),
                json.writeValueAsString(Map.of("id", "sky", "question", q1, "answer", "Rayleigh scattering", "scorer", "judge")) + "\n"
                        + json.writeValueAsString(Map.of("id", "leaves", "question", q2, "answer", "abscission", "scorer", "judge")) + "\n");
        NoisySolver solver = new NoisySolver(Map.of(q1, "Rayleigh scattering", q2, "gravity"), 1.0, 1, (q, c, r) -> "never");
        // the judge compares the candidate with the reference it is shown in the published prompt
        try (var subject = StandInOpenAiServer.start(solver);
                var judge = StandInOpenAiServer.start(r -> {
                    String t = r.lastUserText();
                    String ref = t.substring(t.indexOf("Reference answer:\n") + 18, t.indexOf("\n\nCandidate answer:"));
                    String cand = t.substring(t.indexOf("Candidate answer:\n") + 18);
                    return Reply.text(cand.contains(ref) ? "CORRECT" : "INCORRECT");
                })) {
            EvalResults r = EvalRunner.run(EvalConfig.builder("custom", tmp.resolve("c.jsonl")).outDir(tmp.resolve("o")).probes(false)
                            .modes(List.of(Mode.INSTANT)).build(),
                    new OpenAiChatModel(OpenAiConfig.of(subject.baseUrl(), "k", "m")), new OpenAiChatModel(OpenAiConfig.of(judge.baseUrl(), "k", "j")), null);
            assertThat(r.modes().getFirst().accuracy()).isEqualTo(0.5);
            assertThat(judge.requests()).hasSize(2);
            assertThat(r.json().path("scorers").path("judge_prompt").asText()).contains("Reference answer:");
            String samples = Files.readString(tmp.resolve("o/samples.jsonl"));
            assertThat(samples).contains("\"judge_calls\"").contains("\"note\":\"judge: CORRECT\"");
        }
    }

    @Test
    void should_run_the_standard_baseline_beside_contemplating_unless_told_not_to(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Files.writeString(tmp.resolve("c.jsonl"), json.writeValueAsString(Map.of("question", "What is 2+2?", "answer", "4", "scorer", "numeric")) + "\n");
        try (var server = StandInOpenAiServer.start(new NoisySolver(Map.of("What is 2+2?", "4"), 1.0, 1))) {
            var model = new OpenAiChatModel(OpenAiConfig.of(server.baseUrl(), "k", "m"));
            EvalResults r = EvalRunner.run(EvalConfig.builder("custom", tmp.resolve("c.jsonl")).outDir(tmp.resolve("a")).probes(false).agents(2)
                    .modes(List.of(Mode.CONTEMPLATING)).build(), model, null, null);
            assertThat(r.modes()).extracting(EvalResults.ModeSummary::mode).containsExactly("instant", "thinking", "contemplating");
            assertThat(r.notes()).anyMatch(n -> n.startsWith("added instant and thinking as the standard baseline"));
            assertThat(r.modes().get(2).calls()).isGreaterThan(r.modes().get(0).calls());

            EvalResults alone = EvalRunner.run(EvalConfig.builder("custom", tmp.resolve("c.jsonl")).outDir(tmp.resolve("b")).probes(false).agents(2)
                    .modes(List.of(Mode.CONTEMPLATING)).baseline(false).build(), model, null, null);
            assertThat(alone.modes()).extracting(EvalResults.ModeSummary::mode).containsExactly("contemplating");
            assertThat(alone.omitted()).containsKeys("instant", "thinking");
            assertThat(alone.notes()).anyMatch(n -> n.startsWith("the standard baseline is incomplete"));
        }
    }
}
