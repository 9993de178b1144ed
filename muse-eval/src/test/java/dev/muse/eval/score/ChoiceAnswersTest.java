package dev.muse.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChoiceAnswersTest {
    private static final List<String> OPTIONS = List.of("Paris", "London", "Rome", "Berlin");

    @Test
    void should_read_the_stated_answer() {
        assertThat(ChoiceAnswers.extract("Thinking about capitals... Answer: C", OPTIONS)).isEqualTo("C");
        assertThat(ChoiceAnswers.extract("The answer is (B).", OPTIONS)).isEqualTo("B");
        assertThat(ChoiceAnswers.extract("Final answer: **D**", OPTIONS)).isEqualTo("D");
        assertThat(ChoiceAnswers.extract("so \\boxed{A}", OPTIONS)).isEqualTo("A");
    }

    @Test
    void should_read_a_bare_or_leading_letter() {
        assertThat(ChoiceAnswers.extract("B", OPTIONS)).isEqualTo("B");
        assertThat(ChoiceAnswers.extract("(C)", OPTIONS)).isEqualTo("C");
        assertThat(ChoiceAnswers.extract("A) Paris, because it is the capital.", OPTIONS)).isEqualTo("A");
    }

    @Test
    void should_match_an_answer_that_repeats_an_option() {
        assertThat(ChoiceAnswers.extract("Rome.", OPTIONS)).isEqualTo("C");
    }

    @Test
    void should_not_read_words_or_letters_outside_the_options_as_answers() {
        assertThat(ChoiceAnswers.extract("The answer is a bit unclear to me.", OPTIONS)).isNull();
        assertThat(ChoiceAnswers.extract("Answer: F", OPTIONS)).isNull();
        assertThat(ChoiceAnswers.extract("", OPTIONS)).isNull();
    }
}
