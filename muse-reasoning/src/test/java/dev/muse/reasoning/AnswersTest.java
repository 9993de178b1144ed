package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AnswersTest {

    static Stream<Arguments> responses() {
        return Stream.of(
                Arguments.of("Let me compute.\nFinal answer: 42", "42"),
                Arguments.of("So x = 3.\n**Final Answer:** $\\frac{3}{4}$", "\\frac{3}{4}"),
                Arguments.of("We get \\boxed{1,024} as the result.", "1,024"),
                Arguments.of("nested \\boxed{\\frac{1}{2}} end", "\\frac{1}{2}"),
                Arguments.of("After checking, the answer is B.", "B"),
                Arguments.of("Reasoning here.\n\n(C)", "(C)"),
                Arguments.of("Long reasoning about apples and pears that goes on for a while, longer than a short answer.\n"
                        + "So in total she has 17 apples left after giving some of them away to all of her friends.", "17"),
                Arguments.of("Paris", "Paris"),
                Arguments.of("answer: yes", "yes"),
                Arguments.of("So the answer is 42 because 6 times 7 is 42.", "42"),
                Arguments.of("Thus the answer is 1,250, as computed.", "1,250"),
                Arguments.of("Final answer: 3.5", "3.5"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("responses")
    void should_extract_the_final_answer(String response, String expected) {
        Answers.Extracted e = Answers.extract(response);
        assertThat(e.shortForm()).isTrue();
        assertThat(e.text()).isEqualTo(expected);
    }

    @Test
    void should_treat_prose_without_a_short_answer_as_free_form() {
        String essay = "Autumn arrives quietly in the valley, with fog on the river every morning.\n"
                + "The farmers bring in the last of the apples while the birches turn to gold along the road.\n"
                + "By November the first snow dusts the peaks and the village settles into its long winter rest.";
        assertThat(Answers.extract(essay).shortForm()).isFalse();
    }

    @ParameterizedTest(name = "{0} ~ {1}")
    @CsvSource(delimiter = '|', value = {
        "1,000|1000",
        "$1000|1000.00",
        "3/4|0.75",
        "\\frac{3}{4}|0.750",
        "50%|50",
        "12 apples|12",
        "x = 5|5",
        "-2|−2",
        "1e3|1000",
        "(B)|B",
        "B)|b",
        "answer: b|B.",
        "Option B|(b)",
        "Yes|true",
        "no.|False",
        "The Eiffel Tower|eiffel tower!",
        "\"Paris\"|paris",
        "(B) Paris|B",
        "C. 42 apples|c",
    })
    void should_normalise_equivalent_answers_to_one_key(String a, String b) {
        assertThat(Answers.normalize(a)).isEqualTo(Answers.normalize(b));
    }

    @ParameterizedTest(name = "{0} != {1}")
    @CsvSource(delimiter = '|', value = {
        "42|43",
        "3/4|0.7",
        "1/3|0.333",
        "B|C",
        "yes|no",
        "Paris|London",
        "-5|5",
        "3 to 5|3",
    })
    void should_keep_different_answers_apart(String a, String b) {
        assertThat(Answers.normalize(a)).isNotEqualTo(Answers.normalize(b));
    }

    @Test
    void should_produce_readable_keys() {
        assertThat(Answers.normalize("1,234.50")).isEqualTo("num:2469/2");
        assertThat(Answers.normalize("(d)")).isEqualTo("choice:D");
        assertThat(Answers.normalize("TRUE")).isEqualTo("bool:true");
        assertThat(Answers.normalize("  The  Nile ")).isEqualTo("text:nile");
    }
}
