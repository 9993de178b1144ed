package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.core.Consensus;
import java.util.List;
import org.junit.jupiter.api.Test;

class AggregatorTest {

    private static Aggregator.Candidate c(String id, String text, boolean confirmed) {
        return Aggregator.Candidate.of(id, text, confirmed);
    }

    @Test
    void should_cluster_equivalent_answers_and_pick_the_majority() {
        List<Aggregator.Candidate> cands = List.of(
                c("agent-1", "work\nFinal answer: 1,000", false),
                c("agent-2", "work\nFinal answer: 999", false),
                c("agent-3", "work\nFinal answer: $1000", false),
                c("agent-4", "so \\boxed{1000.0}", false));
        List<Aggregator.Group> groups = Aggregator.cluster(cands);
        assertThat(groups).hasSize(2);
        assertThat(groups.getFirst().members()).extracting(Aggregator.Candidate::agentId)
                .containsExactly("agent-1", "agent-3", "agent-4");
        Consensus cons = Aggregator.weigh(groups, 4);
        assertThat(cons.method()).isEqualTo("majority");
        assertThat(cons.agreement()).isEqualTo(0.75);
        assertThat(cons.answer()).isEqualTo("1,000");
        assertThat(cons.clusters()).extracting(Consensus.Cluster::normalized).containsExactly("num:1000", "num:999");
    }

    @Test
    void should_break_a_tie_with_self_verification() {
        List<Aggregator.Candidate> cands = List.of(
                c("agent-1", "Final answer: 7", false),
                c("agent-2", "Final answer: 7", false),
                c("agent-3", "Final answer: 8", true),
                c("agent-4", "Final answer: 8", false));
        List<Aggregator.Group> groups = Aggregator.cluster(cands);
        assertThat(groups.getFirst().key()).isEqualTo("num:8");
        assertThat(groups.getFirst().weight()).isEqualTo(2 + Aggregator.VERIFIED_BONUS);
        Consensus cons = Aggregator.weigh(groups, 4);
        assertThat(cons.method()).isEqualTo("weighted");
        assertThat(groups.getFirst().representative().agentId()).isEqualTo("agent-3");
    }

    @Test
    void should_not_let_verification_outvote_a_clear_majority() {
        List<Aggregator.Candidate> cands = List.of(
                c("agent-1", "Final answer: 7", false),
                c("agent-2", "Final answer: 7", false),
                c("agent-3", "Final answer: 7", false),
                c("agent-4", "Final answer: 8", true),
                c("agent-5", "Final answer: 8", true));
        assertThat(Aggregator.cluster(cands).getFirst().key()).isEqualTo("num:7");
    }

    @Test
    void should_detect_free_form_answers() {
        String prose = "The first paragraph explains the idea at some length, describing the background in detail.\n"
                + "The second paragraph draws conclusions about what it means for the reader and for the future.";
        assertThat(Aggregator.freeForm(List.of(c("a", prose, false), c("b", prose + " More.", false)))).isTrue();
        assertThat(Aggregator.freeForm(List.of(c("a", "Final answer: 3", false), c("b", prose, false)))).isFalse();
    }

    @Test
    void should_parse_a_judge_verdict() {
        assertThat(Aggregator.parseVerdict("Candidate 1 is wrong because...\nVerdict: 2")).isEqualTo(2);
        assertThat(Aggregator.parseVerdict("verdict: [3]")).isEqualTo(3);
        assertThat(Aggregator.parseVerdict("I cannot decide")).isEqualTo(-1);
    }

    @Test
    void should_spread_agent_temperatures() {
        assertThat(Contemplating.temperature(null, 0, 5)).isEqualTo(0.5);
        assertThat(Contemplating.temperature(null, 4, 5)).isEqualTo(1.0);
        assertThat(Contemplating.temperature(null, 2, 5)).isEqualTo(0.75);
        assertThat(Contemplating.temperature(0.2, 0, 3)).isEqualTo(0.0);
        assertThat(Contemplating.temperature(null, 0, 1)).isEqualTo(0.7);
    }
}
