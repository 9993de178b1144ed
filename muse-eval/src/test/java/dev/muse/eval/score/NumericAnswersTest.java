package dev.muse.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NumericAnswersTest {

    @Test
    void should_take_the_number_after_the_hashes() {
        assertThat(NumericAnswers.extract("She sells 9 eggs at $2 each.\n#### 18")).isEqualTo("18");
    }

    @Test
    void should_prefer_a_stated_final_answer_over_later_numbers() {
        assertThat(NumericAnswers.extract("Final answer: 42\n(checked in 2 ways)")).isEqualTo("42");
        assertThat(NumericAnswers.extract("So the answer is $1,200.")).isEqualTo("1,200");
        assertThat(NumericAnswers.extract("The total is \\boxed{75} dollars, computed from 3 parts")).isEqualTo("75");
    }

    @Test
    void should_fall_back_to_the_last_number() {
        assertThat(NumericAnswers.extract("16 - 3 - 4 = 9, and 9 * 2 = 18")).isEqualTo("18");
        assertThat(NumericAnswers.extract("no numbers here")).isNull();
        assertThat(NumericAnswers.extract("")).isNull();
    }

    @Test
    void should_compare_numbers_written_differently() {
        assertThat(NumericAnswers.equal("$1,200.00", "1200")).isTrue();
        assertThat(NumericAnswers.equal("12.5%", "12.5")).isTrue();
        assertThat(NumericAnswers.equal("3/4", "0.75")).isTrue();
        assertThat(NumericAnswers.equal("\\frac{3}{4}", "0.75")).isTrue();
        assertThat(NumericAnswers.equal("-7 apples", "-7")).isTrue();
        assertThat(NumericAnswers.equal("18", "19")).isFalse();
        assertThat(NumericAnswers.equal("18.01", "18")).isFalse();
        assertThat(NumericAnswers.equal(null, "18")).isFalse();
    }

    @Test
    void should_give_equal_numbers_one_key() {
        assertThat(NumericAnswers.key("1,200.0")).isEqualTo(NumericAnswers.key("1200"));
        assertThat(NumericAnswers.key("0.50")).isEqualTo("0.5");
        assertThat(NumericAnswers.key("abc")).isNull();
    }
}
