package dev.muse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NoisySolverTest {
    private static final Map<String, String> KEY = Map.of(
            "What is 17 * 23?", "391",
            "Which letter comes after B?", "C",
            "Is 97 prime?", "yes");

    private static RecordedRequest ask(String text) {
        ObjectNode body = Json.object().put("model", "m");
        body.putArray("messages").addObject().put("role", "user").put("content", "Please solve. " + text);
        return new RecordedRequest("/v1/chat/completions", Map.of(), body, 0);
    }

    private static String finalAnswer(Reply r) {
        String c = r.content();
        return c.substring(c.lastIndexOf("Final answer: ") + "Final answer: ".length()).strip();
    }

    @Test
    void should_be_right_about_as_often_as_its_accuracy() {
        NoisySolver s = new NoisySolver(KEY, 0.6, 42);
        int right = 0;
        for (int i = 0; i < 2000; i++) if (finalAnswer(s.reply(ask("What is 17 * 23?"))).equals("391")) right++;
        // binomial(2000, 0.6): sd ~ 22; 5 sd either side
        assertThat(right).isBetween(1090, 1310);
        assertThat(s.correctServed()).isEqualTo(right);
        assertThat(s.wrongServed()).isEqualTo(2000 - right);
    }

    @Test
    void should_spread_wrong_answers_over_plausible_values() {
        NoisySolver s = new NoisySolver(KEY, 0.0, 1);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 500; i++) counts.merge(finalAnswer(s.reply(ask("What is 17 * 23?"))), 1, Integer::sum);
        assertThat(counts).doesNotContainKey("391");
        assertThat(counts.keySet()).allSatisfy(a -> assertThat(Math.abs(Integer.parseInt(a) - 391)).isBetween(1, 9));
        assertThat(counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow()).isLessThan(100); // no dominant wrong answer
        assertThat(finalAnswer(s.reply(ask("Which letter comes after B?")))).isIn("A", "B", "D", "E");
        assertThat(finalAnswer(s.reply(ask("Is 97 prime?")))).isEqualTo("no");
    }

    @Test
    void should_repeat_itself_for_the_same_seed() {
        List<String> a = IntStream.range(0, 50).mapToObj(i -> finalAnswer(new NoisySolver(KEY, 0.5, 7).reply(ask("What is 17 * 23?")))).toList();
        NoisySolver one = new NoisySolver(KEY, 0.5, 7);
        NoisySolver two = new NoisySolver(KEY, 0.5, 7);
        List<String> x = IntStream.range(0, 50).mapToObj(i -> finalAnswer(one.reply(ask("What is 17 * 23?")))).toList();
        List<String> y = IntStream.range(0, 50).mapToObj(i -> finalAnswer(two.reply(ask("What is 17 * 23?")))).toList();
        assertThat(x).isEqualTo(y);
        assertThat(a).containsOnly(a.getFirst()); // a fresh solver always starts with the same first draw
        assertThat(x).contains("391").anyMatch(v -> !v.equals("391")); // and it is not constant
    }

    @Test
    void should_stay_accurate_under_concurrent_use() throws Exception {
        NoisySolver s = new NoisySolver(KEY, 0.7, 3);
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 1000; i++) exec.submit(() -> counts.merge(finalAnswer(s.reply(ask("Is 97 prime?"))), 1, Integer::sum));
        }
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1000);
        assertThat(counts.get("yes")).isBetween(630, 770); // binomial(1000, 0.7): sd ~ 14.5
    }

    @Test
    void should_say_so_when_no_key_question_is_asked() {
        NoisySolver s = new NoisySolver(KEY, 1.0, 3);
        Reply r = s.reply(ask("What is the meaning of life?"));
        assertThat(finalAnswer(r)).isEqualTo("unknown");
        assertThat(s.unknownServed()).isEqualTo(1);
    }

    @Test
    void should_write_reasoning_in_the_chosen_shape() {
        NoisySolver s = new NoisySolver(KEY, 1.0, 3).reasoningShape(ReasoningShape.THINK_TAGS);
        Reply r = s.reply(ask("What is 17 * 23?"));
        assertThat(r.reasoningShape()).isEqualTo(ReasoningShape.THINK_TAGS);
        assertThat(r.reasoning()).contains("What is 17 * 23?");
        assertThat(r.content()).endsWith("Final answer: 391");
    }

    @Test
    void should_refuse_a_wrong_answer_generator_that_returns_the_right_answer() {
        NoisySolver s = new NoisySolver(KEY, 0.0, 3, (q, correct, rnd) -> correct);
        assertThatThrownBy(() -> s.reply(ask("Is 97 prime?"))).hasMessageContaining("correct answer");
        assertThatThrownBy(() -> new NoisySolver(KEY, 1.5, 3)).hasMessageContaining("between 0 and 1");
        assertThat(NoisySolver.plausibleWrong("q", "2.50", new SplittableRandom(1))).matches("\\d+\\.\\d\\d").isNotEqualTo("2.50");
    }
}
