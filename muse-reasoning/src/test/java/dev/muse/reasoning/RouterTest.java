package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouterTest {

    @Test
    void should_route_a_short_factual_question_to_instant() {
        Router.Route r = Router.heuristic("What is the capital of France?");
        assertThat(r.mode()).isEqualTo(Mode.INSTANT);
        assertThat(r.ambiguous()).isFalse();
    }

    @Test
    void should_route_arithmetic_to_thinking() {
        Router.Route r = Router.heuristic("What is 17 * 23?");
        assertThat(r.mode()).isEqualTo(Mode.THINKING);
        assertThat(r.reason()).contains("math");
    }

    @Test
    void should_route_a_hard_multi_step_problem_to_contemplating() {
        Router.Route r = Router.heuristic("""
                A bag holds 5 red and 7 blue marbles. Step by step:
                1. What is the probability of drawing two red marbles without replacement?
                2. How many draws are expected until the first blue one?""");
        assertThat(r.mode()).isEqualTo(Mode.CONTEMPLATING);
        assertThat(r.reason()).contains("math").contains("step-by-step").contains("several parts");
    }

    @Test
    void should_flag_a_long_question_without_markers_as_ambiguous() {
        Router.Route r = Router.heuristic("Tell me about the history of the city where I grew up, the old harbour, "
                + "the fishermen who lived there, the festivals they held in the summer and the stories they told "
                + "their children about the sea and the storms of the winters long ago");
        assertThat(r.ambiguous()).isTrue();
    }

    @Test
    void should_read_a_one_word_classification() {
        assertThat(Router.parseClassification("Contemplating.")).isEqualTo(Mode.CONTEMPLATING);
        assertThat(Router.parseClassification(" instant")).isEqualTo(Mode.INSTANT);
        assertThat(Router.parseClassification("maybe")).isNull();
    }
}
