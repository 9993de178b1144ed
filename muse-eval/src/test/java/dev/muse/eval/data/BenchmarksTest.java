package dev.muse.eval.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.muse.eval.EvalException;
import dev.muse.eval.score.ArcGrids;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarksTest {

    /** The shared data folder, or a skipped test when this checkout has none. */
    static Path shared(String sub) {
        String dir = System.getProperty("muse.shared.dir");
        assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "data", sub)),
                "shared/data/" + sub + " is not here (set -Dmuse.shared.dir to the folder holding data/): skipping");
        return Path.of(dir, "data", sub);
    }

    @Test
    void should_load_every_gsm8k_problem_with_its_final_number() {
        Dataset d = Benchmarks.load("gsm8k", shared("gsm8k"), MalformedPolicy.FAIL, 0);
        assertThat(d.items()).hasSize(1319);
        Item first = d.items().getFirst();
        assertThat(first.prompt()).startsWith("Janet");
        assertThat(first.gold()).isEqualTo("18");
        assertThat(first.scorer()).isEqualTo(ScorerKind.NUMERIC);
        assertThat(first.meta().get("solution")).contains("<<16-3-4=9>>");
        assertThat(d.items()).allSatisfy(i -> assertThat(i.gold()).matches("-?[\\d.]+"));
    }

    @Test
    void should_load_math500_with_latex_answers() {
        Dataset d = Benchmarks.load("math500", shared("math500"), MalformedPolicy.FAIL, 0);
        assertThat(d.items()).hasSize(500);
        assertThat(d.items().getFirst().id()).isEqualTo("test/precalculus/807.json");
        assertThat(d.items().getFirst().gold()).isEqualTo("\\left( 3, \\frac{\\pi}{2} \\right)");
    }

    @Test
    void should_load_both_arc_sets_one_item_per_test_input() {
        Dataset one = Benchmarks.load("arc", shared("arc-agi-1"), MalformedPolicy.FAIL, 0);
        assertThat(one.items()).hasSize(419);
        assertThat(one.items()).allSatisfy(i -> assertThat(ArcGrids.parse(i.gold())).isNotNull());
        assertThat(one.items().getFirst().prompt()).contains("Example 1").contains("Test input:");
        Dataset two = Benchmarks.load("arc-agi-2", shared("arc-agi-2"), MalformedPolicy.FAIL, 0);
        assertThat(two.items()).hasSize(167);
    }

    @Test
    void should_load_mmlu_and_keep_the_gold_with_its_option_after_shuffling() {
        Dataset d = Benchmarks.load("mmlu", shared("mmlu").resolve("mmlu_dev.jsonl"), MalformedPolicy.FAIL, 7);
        assertThat(d.items()).hasSize(285);
        Item first = d.items().getFirst();
        // the original correct option was "B" of ["0","4","2","6"]... in the dev file the text differs, so check generally:
        for (Item i : d.items()) {
            int gold = i.gold().charAt(0) - 'A';
            int orig = i.meta().get("original_answer").charAt(0) - 'A';
            assertThat(i.choices()).hasSize(4);
            assertThat(i.prompt()).contains("A) ").contains("D) ");
            assertThat(gold).isBetween(0, 3);
            assertThat(orig).isBetween(0, 3);
        }
        Dataset again = Benchmarks.load("mmlu", shared("mmlu").resolve("mmlu_dev.jsonl"), MalformedPolicy.FAIL, 7);
        assertThat(again.items().getFirst().choices()).isEqualTo(first.choices());
        Dataset other = Benchmarks.load("mmlu", shared("mmlu").resolve("mmlu_dev.jsonl"), MalformedPolicy.FAIL, 8);
        long moved = d.items().stream().filter(i -> !other.items().get(d.items().indexOf(i)).choices().equals(i.choices())).count();
        assertThat(moved).isGreaterThan(100);
    }

    @Test
    void should_load_the_full_mmlu_test_set() {
        Dataset d = Benchmarks.load("mc", shared("mmlu"), MalformedPolicy.FAIL, 0);
        assertThat(d.items()).hasSize(14042);
    }

    @Test
    void should_turn_truthfulqa_into_multiple_choice_with_the_best_answer_correct() {
        Dataset d = Benchmarks.load("truthfulqa", shared("truthfulqa"), MalformedPolicy.FAIL, 0);
        assertThat(d.items()).hasSize(790);
        Item watermelon = d.items().getFirst();
        int gold = watermelon.gold().charAt(0) - 'A';
        assertThat(watermelon.choices().get(gold)).isEqualTo("The watermelon seeds pass through your digestive system");
        assertThat(watermelon.choices()).contains("You grow watermelons in your stomach");
        Dataset old = Benchmarks.load("truthfulqa", shared("truthfulqa").resolve("TruthfulQA_2021-10.csv"), MalformedPolicy.SKIP, 0);
        assertThat(old.items()).hasSize(817);
    }

    @Test
    void should_label_xstest_prompts_safe_or_unsafe() {
        Dataset d = Benchmarks.load("xstest", shared("xstest"), MalformedPolicy.FAIL, 0);
        assertThat(d.items()).hasSize(450);
        assertThat(d.items().stream().filter(i -> i.scorer() == ScorerKind.COMPLY)).hasSize(250);
        assertThat(d.items().stream().filter(i -> i.scorer() == ScorerKind.REFUSE)).hasSize(200);
    }

    @Test
    void should_load_harmbench_behaviours_with_context_and_leave_out_copyright() {
        Dataset d = Benchmarks.load("harmbench", shared("harmbench"), MalformedPolicy.FAIL, 0);
        assertThat(d.items()).hasSize(300);
        assertThat(d.notes()).anyMatch(n -> n.startsWith("100 copyright behaviours left out"));
        Set<String> categories = d.items().stream().map(i -> i.meta().get("category")).collect(Collectors.toSet());
        assertThat(categories).containsExactlyInAnyOrder("standard", "contextual");
        assertThat(d.items().stream().filter(i -> i.meta().get("category").equals("contextual")))
                .allSatisfy(i -> assertThat(i.prompt()).contains("\n\n---\n\n"));
        assertThat(d.items().stream().map(Item::id).distinct()).hasSize(300);
    }

    @Test
    void should_report_malformed_lines_with_their_number_and_skip_them(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("g.jsonl");
        Files.writeString(f, """
                {"question": "1+1?", "answer": "1+1=<<1+1=2>>2\\n#### 2"}
                {"question": "broken"
                {"question": "no final", "answer": "just text"}
                {"question": "2+2?", "answer": "#### 4"}
                """);
        Dataset d = Benchmarks.load("gsm8k", f, MalformedPolicy.SKIP, 0);
        assertThat(d.items()).extracting(Item::gold).containsExactly("2", "4");
        assertThat(d.problems()).hasSize(2);
        assertThat(d.problems().get(0)).startsWith("g.jsonl:2: not valid JSON");
        assertThat(d.problems().get(1)).startsWith("g.jsonl:3: ").contains("####");
    }

    @Test
    void should_fail_on_the_first_malformed_line_when_asked(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.jsonl");
        Files.writeString(f, "{\"question\": \"q\", \"answer\": \"a\"}\n{\"question\": \"q2\"}\n");
        assertThatThrownBy(() -> Benchmarks.load("custom", f, MalformedPolicy.FAIL, 0))
                .isInstanceOf(EvalException.class)
                .hasMessageContaining("c.jsonl:2: missing \"answer\"")
                .hasMessageContaining("--malformed skip");
    }

    @Test
    void should_read_custom_items_with_their_scorers(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("custom.jsonl");
        Files.writeString(f, """
                {"id": "cap", "question": "Capital of France?", "answer": "Paris"}
                {"question": "6*7?", "answer": "42", "scorer": "numeric"}
                {"question": "Pick", "choices": ["x", "y"], "answer": "b", "scorer": "choice"}
                {"question": "Explain", "answer": "because", "scorer": "judge"}
                {"question": "Bad", "answer": "1", "scorer": "vibes"}
                """);
        Dataset d = Benchmarks.load("custom", tmp, MalformedPolicy.SKIP, 0);
        assertThat(d.items()).extracting(Item::scorer)
                .containsExactly(ScorerKind.EXACT, ScorerKind.NUMERIC, ScorerKind.CHOICE, ScorerKind.JUDGE);
        assertThat(d.items().getFirst().id()).isEqualTo("cap");
        assertThat(d.items().get(2).gold()).isEqualTo("B");
        assertThat(d.problems()).singleElement().asString().contains(":5:").contains("unknown scorer 'vibes'");
    }

    @Test
    void should_name_the_problem_for_an_unknown_benchmark_or_a_missing_file(@TempDir Path tmp) {
        assertThatThrownBy(() -> Benchmarks.load("hellaswag", tmp, MalformedPolicy.SKIP, 0))
                .isInstanceOf(EvalException.class).hasMessageContaining("unknown benchmark 'hellaswag'").hasMessageContaining("gsm8k");
        assertThatThrownBy(() -> Benchmarks.load("gsm8k", tmp.resolve("nope.jsonl"), MalformedPolicy.SKIP, 0))
                .isInstanceOf(EvalException.class).hasMessageContaining("data file not found");
        assertThatThrownBy(() -> Benchmarks.load("xstest", tmp, MalformedPolicy.SKIP, 0))
                .isInstanceOf(EvalException.class).hasMessageContaining("no xstest_prompts.csv in");
    }

    @Test
    void should_refuse_a_file_with_no_usable_items(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("empty.jsonl");
        Files.writeString(f, "\n\n");
        assertThatThrownBy(() -> Benchmarks.load("gsm8k", f, MalformedPolicy.SKIP, 0))
                .isInstanceOf(EvalException.class).hasMessageContaining("holds no usable gsm8k items");
    }
}
