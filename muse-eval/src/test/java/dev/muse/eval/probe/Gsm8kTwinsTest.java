package dev.muse.eval.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.eval.data.Benchmarks;
import dev.muse.eval.data.Dataset;
import dev.muse.eval.data.Item;
import dev.muse.eval.data.MalformedPolicy;
import dev.muse.eval.data.ScorerKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class Gsm8kTwinsTest {

    private static Item gsm(String question, String solution) {
        String gold = solution.substring(solution.lastIndexOf("####") + 4).strip();
        return new Item("t", "gsm8k", question, "", gold, List.of(), ScorerKind.NUMERIC, Map.of("solution", solution));
    }

    @Test
    void should_resample_the_numbers_and_recompute_the_answer_from_the_annotations() {
        Item janet = gsm("Janet's ducks lay 16 eggs per day. She eats 3 for breakfast and bakes muffins with 4. She sells the rest for $2 each."
                        + " How much does she make?",
                "16 - 3 - 4 = <<16-3-4=9>>9 eggs.\n9 * 2 = $<<9*2=18>>18\n#### 18");
        Gsm8kTwins.Twin t = Gsm8kTwins.twin(janet, 1);
        assertThat(t.made()).as(t.skipReason()).isTrue();
        // read the new numbers back out of the twin's question and recompute by hand
        Matcher m = Pattern.compile("lay (\\d+) eggs.*eats (\\d+) for.*with (\\d+)\\..*for \\$(\\d+) each").matcher(t.item().prompt());
        assertThat(m.find()).isTrue();
        long eggs = Long.parseLong(m.group(1)), eaten = Long.parseLong(m.group(2)), baked = Long.parseLong(m.group(3));
        long price = Long.parseLong(m.group(4));
        assertThat(price).isEqualTo(2); // 2 is a unit-like constant and stays
        assertThat(List.of(eggs, eaten, baked)).isNotEqualTo(List.of(16L, 3L, 4L));
        assertThat(t.item().gold()).isEqualTo(Long.toString((eggs - eaten - baked) * price));
        assertThat(t.item().id()).isEqualTo(janet.id());
    }

    @Test
    void should_skip_items_whose_arithmetic_cannot_be_traced() {
        assertThat(Gsm8kTwins.twin(gsm("What is 5 plus 5?", "Five and five make ten.\n#### 10"), 1).skipReason())
                .isEqualTo("no calculator annotations");
        // 25 enters the arithmetic both as 25 and as .25: a resampled 25 could not keep .25 in step
        Item derived = gsm("A coat costs 80 dollars and is 25% off, and a coupon takes 25% off the discount. How much does the coupon save?",
                "80 * 25 / 100 = <<80*25/100=20>>20\n20 * .25 = <<20*.25=5>>5\n#### 5");
        assertThat(Gsm8kTwins.twin(derived, 1).skipReason()).contains("looks derived from the question number 25");
    }

    @Test
    void should_keep_a_percentage_that_the_arithmetic_uses_only_as_a_constant() {
        Item percent = gsm("A shirt costs 80 dollars and is 25% off. What is the discount?", "80 * .25 = <<80*.25=20>>20\n#### 20");
        Gsm8kTwins.Twin t = Gsm8kTwins.twin(percent, 1);
        assertThat(t.made()).as(t.skipReason()).isTrue();
        Matcher m = Pattern.compile("costs (\\d+) dollars and is 25% off").matcher(t.item().prompt());
        assertThat(m.find()).as(t.item().prompt()).isTrue();
        assertThat(Double.parseDouble(t.item().gold())).isEqualTo(Long.parseLong(m.group(1)) * 0.25);
    }

    @Test
    void should_twin_a_fair_share_of_the_real_test_set_and_every_twin_should_recompute() {
        String dir = System.getProperty("muse.shared.dir");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "data", "gsm8k")), "shared/data/gsm8k is absent: skipping");
        Dataset d = Benchmarks.load("gsm8k", Path.of(dir, "data", "gsm8k"), MalformedPolicy.FAIL, 0);
        int made = 0;
        int changedAnswer = 0;
        for (Item i : d.items().subList(0, 300)) {
            Gsm8kTwins.Twin t = Gsm8kTwins.twin(i, 42);
            if (!t.made()) continue;
            made++;
            assertThat(t.item().prompt()).isNotEqualTo(i.prompt());
            assertThat(t.item().gold()).matches("\\d+(\\.\\d+)?");
            if (!t.item().gold().equals(i.gold())) changedAnswer++;
        }
        // the method is conservative; it must still perturb a real share of the set
        assertThat(made).isBetween(60, 300);
        assertThat(changedAnswer).isGreaterThan(made / 2);
    }
}
