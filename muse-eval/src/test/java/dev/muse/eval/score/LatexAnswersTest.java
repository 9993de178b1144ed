package dev.muse.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatexAnswersTest {

    @Test
    void should_extract_the_last_boxed_answer_with_nested_braces() {
        assertThat(LatexAnswers.lastBoxed("first \\boxed{1} then \\boxed{\\frac{1}{2}}.")).isEqualTo("\\frac{1}{2}");
        assertThat(LatexAnswers.lastBoxed("so \\boxed 5 it is")).isEqualTo("5");
        assertThat(LatexAnswers.lastBoxed("no box")).isNull();
        assertThat(LatexAnswers.lastBoxed("broken \\boxed{\\frac{1}{2}")).isNull();
    }

    @Test
    void should_fall_back_to_the_stated_answer_when_nothing_is_boxed() {
        assertThat(LatexAnswers.extract("Working...\nThe answer is $\\frac{3}{4}$.")).isEqualTo("\\frac{3}{4}");
    }

    @Test
    void should_treat_fraction_notations_as_equal() {
        assertThat(LatexAnswers.equivalent("\\dfrac{1}{2}", "\\frac{1}{2}")).isTrue();
        assertThat(LatexAnswers.equivalent("\\frac12", "1/2")).isTrue();
        assertThat(LatexAnswers.equivalent("0.5", "\\tfrac{1}{2}")).isTrue();
        assertThat(LatexAnswers.equivalent(".5", "\\frac{1}{2}")).isTrue();
        assertThat(LatexAnswers.equivalent("-\\frac{2}{3}", "\\frac{-2}{3}")).isTrue();
        assertThat(LatexAnswers.equivalent("\\frac{1}{3}", "0.33")).isFalse();
    }

    @Test
    void should_treat_radicals_and_pi_numerically() {
        assertThat(LatexAnswers.equivalent("2\\sqrt{3}", "\\sqrt{12}")).isTrue();
        assertThat(LatexAnswers.equivalent("\\sqrt3", "\\sqrt{3}")).isTrue();
        assertThat(LatexAnswers.equivalent("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}")).isTrue();
        assertThat(LatexAnswers.equivalent("3\\pi", "\\pi \\cdot 3")).isTrue();
        assertThat(LatexAnswers.equivalent("2\\sqrt{3}", "3\\sqrt{2}")).isFalse();
    }

    @Test
    void should_ignore_spacing_left_right_degrees_units_and_text() {
        assertThat(LatexAnswers.equivalent("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})")).isTrue();
        assertThat(LatexAnswers.equivalent("90^\\circ", "90")).isTrue();
        assertThat(LatexAnswers.equivalent("10\\text{ inches}", "10")).isTrue();
        assertThat(LatexAnswers.equivalent("\\text{(B)}", "(B)")).isTrue();
        assertThat(LatexAnswers.equivalent("1,\\!000", "1000")).isTrue();
        assertThat(LatexAnswers.equivalent("x = 5", "5")).isTrue();
        assertThat(LatexAnswers.equivalent("\\$18.90", "18.9")).isTrue();
    }

    @Test
    void should_compare_tuples_and_intervals_element_wise() {
        assertThat(LatexAnswers.equivalent("(1, \\frac{1}{2})", "(1, 0.5)")).isTrue();
        assertThat(LatexAnswers.equivalent("(1, 2)", "(2, 1)")).isFalse();
        assertThat(LatexAnswers.equivalent("[2, 5)", "[2,5)")).isTrue();
        assertThat(LatexAnswers.equivalent("[2, 5)", "(2, 5)")).isFalse();
        assertThat(LatexAnswers.equivalent("(-\\infty, 3]", "(-\\infty,3]")).isTrue();
    }

    @Test
    void should_compare_solution_lists_as_sets() {
        assertThat(LatexAnswers.equivalent("-2, 1", "1,-2")).isTrue();
        assertThat(LatexAnswers.equivalent("-2, 1", "1, 2")).isFalse();
    }

    @Test
    void should_not_equate_different_expressions() {
        assertThat(LatexAnswers.equivalent("x^2+1", "x^2-1")).isFalse();
        assertThat(LatexAnswers.equivalent(null, "1")).isFalse();
    }
}
