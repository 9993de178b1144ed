package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.Usage;
import dev.muse.testkit.NoisySolver;
import dev.muse.testkit.RecordedRequest;
import dev.muse.testkit.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ContemplatingTest {

    /** Which agent sent a request: its approach hint ends its request. */
    static int agentOf(RecordedRequest r) {
        String sys = r.allText();
        for (int i = 0; i < Contemplating.APPROACHES.size(); i++) {
            if (sys.contains(Contemplating.APPROACHES.get(i))) return i + 1;
        }
        return -1;
    }

    static boolean isReview(RecordedRequest r) {
        return r.lastUserText().startsWith("Review your solution");
    }

    static Reply slow(String finalAnswer) {
        return Reply.text("Thinking about it at length. ".repeat(300) + "\nFinal answer: " + finalAnswer)
                .withTokenDelay(Duration.ofMillis(20));
    }

    @Test
    void should_solve_with_diverse_agents_refine_and_agree() {
        NoisySolver solver = new NoisySolver(Map.of("What is 17 + 25?", "42"), 1.0, 7);
        try (StandIn s = StandIn.start(solver)) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunOptions opts = RunOptions.of(Mode.CONTEMPLATING).withAgents(4).withSeed(100L).withEarlyStop(false);
            RunResult r = muse.run(List.of(ChatMessage.user("What is 17 + 25?")), opts, ev, new Cancellation());

            assertThat(r.mode()).isEqualTo(Mode.CONTEMPLATING);
            assertThat(r.answer()).contains("Final answer: 42");
            assertThat(r.consensus().answer()).isEqualTo("42");
            assertThat(r.consensus().agreement()).isEqualTo(1.0);
            assertThat(r.consensus().method()).isEqualTo("majority");
            assertThat(r.agents()).hasSize(4).allSatisfy(a -> assertThat(a.answer()).isEqualTo("42"));

            // stage 1 diversity: four solve requests with distinct temperatures, seeds and approach hints
            List<RecordedRequest> solves = s.requests().stream().filter(q -> !isReview(q)).toList();
            assertThat(solves).hasSize(4);
            assertThat(solves).extracting(RecordedRequest::temperature).doesNotHaveDuplicates()
                    .allSatisfy(t -> assertThat(t).isBetween(0.5, 1.0));
            assertThat(solves).extracting(RecordedRequest::seed).containsExactlyInAnyOrder(100L, 101L, 102L, 103L);
            assertThat(solves).extracting(ContemplatingTest::agentOf).containsExactlyInAnyOrder(1, 2, 3, 4);
            // stage 2: each agent reviewed its own solution once, and held its answer
            assertThat(s.requests().stream().filter(ContemplatingTest::isReview)).hasSize(4);
            assertThat(ev.of(StreamEvent.Refined.class)).hasSize(4).allSatisfy(e -> assertThat(e.after()).isEqualTo("42"));
            assertThat(r.consensus().clusters().getFirst().weight()).isEqualTo(4 + 4 * Aggregator.VERIFIED_BONUS);
            // events: stages in order, one Aggregated, Done last
            assertThat(ev.of(StreamEvent.Stage.class)).extracting(StreamEvent.Stage::name)
                    .containsSubsequence("solve", "refine", "aggregate");
            assertThat(ev.of(StreamEvent.Aggregated.class)).hasSize(1);
            assertThat(ev.all.getLast()).isInstanceOf(StreamEvent.Done.class);
            assertThat(ev.of(StreamEvent.AgentStarted.class)).extracting(StreamEvent.AgentStarted::agentId)
                    .containsExactlyInAnyOrder("agent-1", "agent-2", "agent-3", "agent-4");
            assertThat(ev.of(StreamEvent.AgentFinished.class)).hasSize(4);
        }
    }

    @Test
    void should_count_the_usage_of_every_call_of_every_agent() {
        NoisySolver solver = new NoisySolver(Map.of("What is 2 + 2?", "4"), 0.6, 3);
        try (StandIn s = StandIn.start(solver)) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("What is 2 + 2?")),
                    RunOptions.of(Mode.CONTEMPLATING).withAgents(5).withRefineRounds(2).withEarlyStop(false), ev,
                    new Cancellation());

            int calls = s.requests().size();
            assertThat(calls).isEqualTo(5 + 5 * 2);
            assertThat(r.usage().calls()).isEqualTo(calls);
            // what the server reported for each call, summed, is what the run reports
            assertThat(r.usage()).isEqualTo(ev.reportedUsage());
            Usage agentsSum = r.agents().stream().map(AgentResult::usage).reduce(Usage.ZERO, Usage::plus);
            assertThat(agentsSum).isEqualTo(r.usage());
            assertThat(r.trace().usage()).isEqualTo(r.usage());
            assertThat(r.usage().reasoningTokens()).isPositive();
            assertThat(r.usage().reasoningEstimated()).isFalse();
        }
    }

    @Test
    void should_stop_early_when_a_quorum_agrees_and_save_calls() {
        try (StandIn s = StandIn.start(q -> agentOf(q) >= 4 ? slow("7") : Reply.text("Quick.\nFinal answer: 7"))) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("What is 3 + 4?")),
                    RunOptions.of(Mode.CONTEMPLATING).withAgents(5), ev, new Cancellation());

            assertThat(r.consensus().answer()).isEqualTo("7");
            // five solves, no reviews: the three agreeing agents skip refinement, the two slow ones were stopped
            assertThat(s.requests()).hasSize(5);
            assertThat(r.tokensSavedByEarlyStop()).isPositive();
            assertThat(r.elapsedMillis()).isLessThan(4_000);
            assertThat(r.agents()).filteredOn(a -> a.error() != null).hasSize(2)
                    .allSatisfy(a -> assertThat(a.error()).contains("stopped early"));
            assertThat(ev.of(StreamEvent.Stage.class)).anyMatch(st -> st.name().equals("early-stop"));
            assertThat(r.usage()).isEqualTo(ev.reportedUsage());
        }
    }

    @Test
    void should_answer_from_the_remaining_agents_when_some_fail() {
        try (StandIn s = StandIn.start(q -> agentOf(q) <= 2 ? Reply.serverError() : Reply.text("Final answer: 12"))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask("What is 3 * 4?", RunOptions.of(Mode.CONTEMPLATING).withAgents(4));
            assertThat(r.consensus().answer()).isEqualTo("12");
            assertThat(r.notices()).anyMatch(n -> n.startsWith("2 of 4 agents failed"));
            assertThat(r.agents()).filteredOn(a -> a.error() != null).extracting(AgentResult::id)
                    .containsExactlyInAnyOrder("agent-1", "agent-2");
            assertThat(r.consensus().agreement()).isEqualTo(1.0);
        }
    }

    @Test
    void should_fail_with_a_clear_message_when_every_agent_fails() {
        try (StandIn s = StandIn.start(q -> Reply.serverError())) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            assertThatThrownBy(() -> muse.run(List.of(ChatMessage.user("What is 3 * 4?")),
                            RunOptions.of(Mode.CONTEMPLATING).withAgents(3), ev, new Cancellation()))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("all 3 agents failed")
                    .satisfies(e -> assertThat(((ModelException) e).kind()).isEqualTo(ModelException.Kind.SERVER));
            assertThat(ev.all.getLast()).isInstanceOf(StreamEvent.Failed.class);
        }
    }

    @Test
    void should_flag_the_result_when_the_token_budget_runs_out() {
        try (StandIn s = StandIn.start(q -> Reply.text("Final answer: 3").withUsage(200, 50, 0))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask("What is 1 + 2?",
                    RunOptions.of(Mode.CONTEMPLATING).withAgents(4).withEarlyStop(false).withTokenBudget(900L));
            assertThat(r.budgetExceeded()).isTrue();
            assertThat(r.notices()).anyMatch(n -> n.contains("token budget of 900 tokens exceeded"));
            // no refinement was started once the budget was spent
            assertThat(s.requests()).hasSize(4);
            assertThat(r.consensus().answer()).isEqualTo("3");
        }
    }

    @Test
    void should_return_the_best_answer_so_far_when_the_time_budget_runs_out() {
        String full = "Counting one by one. ".repeat(300);
        try (StandIn s = StandIn.start(q -> q.lastUserText().equals("warm up")
                ? Reply.text("ok")
                : Reply.text(full).withTokenDelay(Duration.ofMillis(10)))) {
            Muse muse = Muse.builder().model(s.model).build();
            muse.ask("warm up", RunOptions.of(Mode.INSTANT)); // the first HTTP call of a JVM is slow
            RunResult r = muse.ask("Count slowly", RunOptions.of(Mode.THINKING).withTimeBudget(Duration.ofMillis(400)));
            assertThat(r.budgetExceeded()).isTrue();
            assertThat(r.notices()).anyMatch(n -> n.contains("time budget of 400 ms exceeded"));
            assertThat(r.answer()).isNotEmpty();
            assertThat(full).startsWith(r.answer());
            assertThat(r.answer().length()).isLessThan(full.length() / 2);
            assertThat(r.elapsedMillis()).isLessThan(3_000);
            assertThat(r.usage().calls()).isEqualTo(1);
        }
    }

    @Test
    void should_stop_every_call_in_flight_when_cancelled() throws Exception {
        try (StandIn s = StandIn.start(q -> slow("1"))) {
            Muse muse = Muse.builder().model(s.model).build();
            Cancellation cancel = new Cancellation();
            StandIn.Events ev = new StandIn.Events();
            AtomicLong cancelledAt = new AtomicLong();
            Thread.ofVirtual().start(() -> {
                try {
                    while (s.requests().size() < 4) Thread.sleep(5);
                    Thread.sleep(100);
                } catch (InterruptedException ignored) {
                    return;
                }
                cancelledAt.set(System.nanoTime());
                cancel.cancel("user pressed Ctrl-C");
            });
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            try {
                muse.run(List.of(ChatMessage.user("slow question")), RunOptions.of(Mode.CONTEMPLATING).withAgents(4), ev, cancel);
            } catch (ModelException e) {
                thrown.set(e);
            }
            long millisAfterCancel = (System.nanoTime() - cancelledAt.get()) / 1_000_000;
            assertThat(thrown.get()).isInstanceOf(ModelException.class).hasMessageContaining("user pressed Ctrl-C");
            assertThat(((ModelException) thrown.get()).kind()).isEqualTo(ModelException.Kind.CANCELLED);
            assertThat(millisAfterCancel).isLessThan(1_500);
            // each of the four streams was dropped by the client, long before its 12 s reply would have ended
            assertThat(s.server.awaitClientDisconnects(4, Duration.ofSeconds(3))).isTrue();
            assertThat(ev.all.getLast()).isInstanceOf(StreamEvent.Failed.class);
        }
    }

    @Test
    void should_let_a_judge_pick_a_minority_answer_it_can_verify() {
        try (StandIn s = StandIn.start(q -> Reply.text(agentOf(q) == 4 ? "Careful.\nFinal answer: 8" : "Final answer: 7"));
                StandIn judge = StandIn.start(q -> Reply.text("Candidate 1 miscounts. Candidate 2 checks out.\nVerdict: 2"), "judge-model")) {
            Muse muse = Muse.builder().model(s.model).judge(judge.model).build();
            RunResult r = muse.ask("How many legs do 2 spiders have, minus 8?",
                    RunOptions.of(Mode.CONTEMPLATING).withAgents(4).withEarlyStop(false).withRefineRounds(0));
            assertThat(r.consensus().method()).isEqualTo("judge");
            assertThat(r.consensus().answer()).isEqualTo("8");
            assertThat(r.consensus().agreement()).isEqualTo(0.25);
            assertThat(r.answer()).contains("Final answer: 8");
            assertThat(judge.requests()).hasSize(1);
            assertThat(judge.requests().getFirst().lastUserText()).contains("[1] answer: 7").contains("[2] answer: 8");
            assertThat(r.agents()).extracting(AgentResult::id).contains("judge");
            assertThat(r.usage().calls()).isEqualTo(5);
        }
    }

    @Test
    void should_synthesise_free_form_answers() {
        String essay = "Autumn arrives quietly in the valley, with fog on the river every single morning.\n"
                + "The farmers bring in the last apples while the birches turn gold along the winding road.";
        try (StandIn s = StandIn.start(q -> q.lastUserText().contains("Several independent drafts")
                ? Reply.text("The best essay about autumn.")
                : Reply.text(essay + (agentOf(q) == 1 ? "\nThe geese leave in long lines heading south." : "")))) {
            Muse muse = Muse.builder().model(s.model).build();
            // no early stop: two identical drafts form a quorum, and whether the third had finished would be a race
            RunResult r = muse.ask("Write two sentences about autumn.",
                    RunOptions.of(Mode.CONTEMPLATING).withAgents(3).withRefineRounds(0).withEarlyStop(false));
            assertThat(r.answer()).isEqualTo("The best essay about autumn.");
            assertThat(r.consensus().method()).isEqualTo("synthesis");
            RecordedRequest synth = s.requests().getLast();
            assertThat(synth.lastUserText()).contains("Draft 1").contains("Draft 3").contains("Write two sentences about autumn.");
            assertThat(r.agents()).extracting(AgentResult::id).contains("synthesizer");
        }
    }

    @Test
    void should_spread_agents_over_a_mixture_of_models() {
        try (StandIn a = StandIn.start(q -> Reply.text("Final answer: 5"), "model-a");
                StandIn b = StandIn.start(q -> Reply.text("Final answer: 5"), "model-b")) {
            Muse muse = Muse.builder().model(a.model).agentModels(List.of(a.model, b.model)).build();
            // early stop off: four agreeing agents would otherwise stop the last ones before they send a request
            RunResult r = muse.ask("What is 2 + 3?", RunOptions.of(Mode.CONTEMPLATING).withAgents(4).withRefineRounds(0).withEarlyStop(false));
            assertThat(r.agents()).extracting(AgentResult::model).containsExactly("model-a", "model-b", "model-a", "model-b");
            assertThat(a.requests()).hasSize(2);
            assertThat(b.requests()).hasSize(2);
        }
    }
}
