package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.StreamEvent;
import dev.muse.core.Usage;
import dev.muse.testkit.ReasoningShape;
import dev.muse.testkit.RecordedRequest;
import dev.muse.testkit.Reply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SingleAgentModesTest {

    @Test
    void should_answer_instantly_with_one_call_reasoning_off_and_a_short_cap() {
        try (StandIn s = StandIn.start(r -> Reply.text("Paris"))) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("What is the capital of France?")),
                    RunOptions.of(Mode.INSTANT), ev, new Cancellation());

            assertThat(r.answer()).isEqualTo("Paris");
            assertThat(r.mode()).isEqualTo(Mode.INSTANT);
            assertThat(s.requests()).hasSize(1);
            RecordedRequest req = s.requests().getFirst();
            assertThat(req.body().path("max_tokens").asInt()).isEqualTo(Muse.INSTANT_MAX_TOKENS);
            assertThat(req.body().path("chat_template_kwargs").path("enable_thinking").asBoolean(true)).isFalse();

            assertThat(ev.all.getFirst()).isInstanceOf(StreamEvent.AgentStarted.class);
            assertThat(ev.all.getLast()).isInstanceOf(StreamEvent.Done.class);
            assertThat(ev.text("agent-1")).isEqualTo("Paris");
            assertThat(r.usage()).isEqualTo(ev.reportedUsage());
            assertThat(r.usage().calls()).isEqualTo(1);
            assertThat(r.usage().outputTokens()).isPositive();
            assertThat(r.runId()).isNotBlank();
            assertThat(r.trace().kind()).isEqualTo("run");
            assertThat(r.trace().usage()).isEqualTo(r.usage());
            assertThat(r.trace().children().getFirst().kind()).isEqualTo("agent");
            assertThat(r.trace().children().getFirst().children().getFirst().kind()).isEqualTo("call");
        }
    }

    @Test
    void should_give_each_run_its_own_id() {
        try (StandIn s = StandIn.start(r -> Reply.text("ok"))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult a = muse.ask("hi", RunOptions.of(Mode.INSTANT));
            RunResult b = muse.ask("hi", RunOptions.of(Mode.INSTANT));
            assertThat(a.runId()).isNotEqualTo(b.runId());
        }
    }

    @Test
    void should_think_in_tags_when_the_backend_has_no_native_reasoning() {
        try (StandIn s = StandIn.start(r -> Reply.text("The product is 42.")
                .withReasoning("6 times 7 is 42", ReasoningShape.THINK_TAGS))) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("What is 6 * 7?")), RunOptions.of(Mode.THINKING), ev,
                    new Cancellation());

            assertThat(r.answer()).isEqualTo("The product is 42.");
            assertThat(r.answer()).doesNotContain("<think>");
            assertThat(r.reasoning()).isEqualTo("6 times 7 is 42");
            assertThat(StandIn.system(s.requests().getFirst())).contains("<think>");
            assertThat(ev.of(StreamEvent.ReasoningDelta.class)).isNotEmpty()
                    .allSatisfy(d -> assertThat(d.agentId()).isEqualTo("agent-1"));
        }
    }

    @Test
    void should_use_native_reasoning_when_the_backend_has_it() {
        try (StandIn s = StandIn.start(r -> Reply.text("42").withReasoning("six sevens"))) {
            var nativeModel = new dev.muse.backends.OpenAiChatModel(dev.muse.backends.OpenAiConfig
                    .of(s.server.baseUrl(), null, "stand-in").withMaxRetries(0).withNativeReasoning(true));
            Muse muse = Muse.builder().model(nativeModel).build();
            RunResult r = muse.ask("What is 6 * 7?", RunOptions.of(Mode.THINKING).withThinkingBudget(500));
            assertThat(r.answer()).isEqualTo("42");
            assertThat(r.reasoning()).isEqualTo("six sevens");
            RecordedRequest req = s.requests().getFirst();
            assertThat(StandIn.system(req)).doesNotContain("<think>");
            assertThat(req.body().path("chat_template_kwargs").path("enable_thinking").asBoolean(false)).isTrue();
            nativeModel.close();
        }
    }

    @Test
    void should_force_the_answer_when_reasoning_reaches_the_thinking_budget() {
        String longReasoning = "Let us consider the next case carefully. ".repeat(400);
        try (StandIn s = StandIn.start(r -> r.allText().contains("reached your thinking budget")
                ? Reply.text("Final answer: 9")
                : Reply.text("Final answer: 10").withReasoning(longReasoning).withTokenDelay(Duration.ofMillis(2)))) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("Count the cases.")),
                    RunOptions.of(Mode.THINKING).withThinkingBudget(64), ev, new Cancellation());

            assertThat(r.answer()).isEqualTo("Final answer: 9");
            assertThat(s.requests()).hasSize(2);
            // the follow-up carries the partial reasoning and turns reasoning off
            RecordedRequest followUp = s.requests().get(1);
            assertThat(followUp.lastUserText()).contains("Let us consider the next case");
            assertThat(followUp.lastUserText().length()).isLessThan(longReasoning.length() / 4);
            assertThat(followUp.body().path("chat_template_kwargs").path("enable_thinking").asBoolean(true)).isFalse();
            assertThat(r.notices()).anyMatch(n -> n.contains("thinking budget of 64 tokens"));
            // the first call was really stopped, and its (estimated) cost is still counted
            assertThat(r.usage().calls()).isEqualTo(2);
            assertThat(r.usage()).isEqualTo(ev.reportedUsage());
            assertThat(r.usage().reasoningEstimated()).isTrue();
            assertThat(r.elapsedMillis()).isLessThan(5_000);
        }
    }

    @Test
    void should_route_a_trivial_question_to_instant() {
        try (StandIn s = StandIn.start(r -> Reply.text("Hello!"))) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("Say hello")), RunOptions.defaults(), ev, new Cancellation());

            assertThat(r.requestedMode()).isEqualTo(Mode.AUTO);
            assertThat(r.mode()).isEqualTo(Mode.INSTANT);
            assertThat(r.routeReason()).isNotBlank();
            assertThat(s.requests()).hasSize(1);
            assertThat(ev.of(StreamEvent.Stage.class)).anyMatch(st -> st.name().equals("route"));
        }
    }

    @Test
    void should_route_a_hard_multi_step_question_to_deeper_reasoning() {
        String q = "Step by step: a train leaves at 9:40 at 80 km/h and another at 10:10 at 100 km/h on the same"
                + " track. 1. When does the second catch up? 2. How many km from the station?";
        try (StandIn s = StandIn.start(r -> Reply.text("Final answer: 12:40"))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask(q, RunOptions.defaults().withAgents(3));
            assertThat(r.mode()).isIn(Mode.THINKING, Mode.CONTEMPLATING);
            assertThat(r.routeReason()).contains("math");
            assertThat(r.answer()).contains("12:40");
        }
    }

    @Test
    void should_ask_the_model_to_route_when_the_heuristic_is_unsure() {
        String q = "Tell me about the history of the city where I grew up, the old harbour, the fishermen who lived"
                + " there, the festivals they held in the summer and the stories they told their children about the"
                + " sea and the storms of the long winters";
        try (StandIn s = StandIn.start(r -> StandIn.system(r).contains("Classify")
                ? Reply.text("thinking")
                : Reply.text("A long story.").withReasoning("hmm", ReasoningShape.THINK_TAGS))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask(q, RunOptions.defaults());
            assertThat(r.mode()).isEqualTo(Mode.THINKING);
            assertThat(r.routeReason()).contains("router model");
            assertThat(s.requests()).hasSize(2);
            assertThat(s.requests().getFirst().body().path("max_tokens").asInt()).isLessThanOrEqualTo(Muse.ROUTER_MAX_TOKENS);
            assertThat(r.agents()).extracting(AgentResult::id).containsExactly("router", "agent-1");
            assertThat(r.usage()).isEqualTo(r.agents().get(0).usage().plus(r.agents().get(1).usage()));
        }
    }

    @Test
    void should_reject_an_empty_question_and_unknown_tools_with_clear_messages() {
        try (StandIn s = StandIn.start(r -> Reply.text("x"))) {
            Muse muse = Muse.builder().model(s.model).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> muse.ask("  ", RunOptions.of(Mode.INSTANT)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("question is empty");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> muse.ask("hi", RunOptions.of(Mode.THINKING).withTools(List.of("teleport"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown tool 'teleport'").hasMessageContaining("spawn_agent");
            assertThat(s.requests()).isEmpty();
        }
    }

    @Test
    void should_sum_usage_of_every_call() {
        try (StandIn s = StandIn.start(r -> Reply.text("fine").withUsage(11, 5, 0))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask("how are you", RunOptions.of(Mode.INSTANT));
            assertThat(r.usage()).isEqualTo(new Usage(11, 5, 0, false, 1));
        }
    }
}
