package dev.muse.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.StreamEvent;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.testkit.RecordedRequest;
import dev.muse.testkit.Reply;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import dev.muse.tools.ToolRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ToolLoopTest {

    /** A tool that only finishes when its partner runs at the same time: proof that a turn's calls run in parallel. */
    static final class Rendezvous implements Tool {
        private final String name;
        private final CountDownLatch both;

        Rendezvous(String name, CountDownLatch both) {
            this.name = name;
            this.both = both;
        }

        @Override
        public ToolSpec spec() {
            return new ToolSpec(name, "adds two numbers", Map.of("type", "object", "properties",
                    Map.of("a", Map.of("type", "integer"), "b", Map.of("type", "integer")), "required", List.of("a", "b")));
        }

        @Override
        public String call(JsonNode args, ToolContext ctx) throws Exception {
            both.countDown();
            if (!both.await(5, TimeUnit.SECONDS)) return "ran alone";
            return String.valueOf(args.get("a").asLong() + args.get("b").asLong());
        }
    }

    static final class Boom implements Tool {
        @Override
        public ToolSpec spec() {
            return new ToolSpec("boom", "always fails", null);
        }

        @Override
        public String call(JsonNode args, ToolContext ctx) {
            throw new IllegalStateException("the fuse was lit");
        }
    }

    private static boolean lastIsTool(RecordedRequest r) {
        return r.messages().getLast().role().equals("tool");
    }

    @Test
    void should_run_parallel_tool_calls_and_return_errors_to_the_model() {
        CountDownLatch both = new CountDownLatch(2);
        ToolRegistry tools = ToolRegistry.of(List.of(new Rendezvous("add", both), new Rendezvous("add2", both), new Boom()));
        try (StandIn s = StandIn.start(r -> lastIsTool(r)
                ? Reply.text("Final answer: done")
                : Reply.toolCalls(
                        new ToolCall("c1", "add", "{\"a\":2,\"b\":3}"),
                        new ToolCall("c2", "add2", "{\"a\":10,\"b\":20}"),
                        new ToolCall("c3", "boom", "{}"),
                        new ToolCall("c4", "nope", "{}"),
                        new ToolCall("c5", "add", "{\"a\":1}")))) {
            Muse muse = Muse.builder().model(s.model).tools(tools).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("use the tools")),
                    RunOptions.of(Mode.THINKING).withTools(List.of("add", "add2", "boom")), ev, new Cancellation());

            assertThat(r.answer()).isEqualTo("Final answer: done");
            assertThat(s.requests()).hasSize(2);
            assertThat(s.requests().getFirst().toolNames()).containsExactly("add", "add2", "boom");
            List<RecordedRequest.Message> toolMsgs = s.requests().get(1).messages().stream()
                    .filter(m -> m.role().equals("tool")).toList();
            assertThat(toolMsgs).extracting(RecordedRequest.Message::text).satisfiesExactly(
                    t -> assertThat(t).isEqualTo("5"),
                    t -> assertThat(t).isEqualTo("30"),
                    t -> assertThat(t).contains("boom").contains("the fuse was lit"),
                    t -> assertThat(t).contains("unknown tool 'nope'"),
                    t -> assertThat(t).contains("missing required argument 'b'"));
            List<StreamEvent.ToolResult> results = ev.of(StreamEvent.ToolResult.class);
            assertThat(results).hasSize(5).allSatisfy(t -> assertThat(t.agentId()).isEqualTo("agent-1"));
            assertThat(results).filteredOn(StreamEvent.ToolResult::error).extracting(StreamEvent.ToolResult::callId)
                    .containsExactlyInAnyOrder("c3", "c4", "c5");
            assertThat(ev.of(StreamEvent.ToolCallRequested.class)).extracting(e -> e.call().id())
                    .containsExactlyInAnyOrder("c1", "c2", "c3", "c4", "c5");
            TraceNode agent = r.trace().children().getFirst();
            assertThat(agent.children()).filteredOn(n -> n.kind().equals("tool")).hasSize(5);
            assertThat(r.usage().calls()).isEqualTo(2);
        }
    }

    @Test
    void should_stop_calling_tools_at_the_step_limit() {
        CountDownLatch none = new CountDownLatch(0);
        ToolRegistry tools = ToolRegistry.of(List.of(new Rendezvous("add", none)));
        try (StandIn s = StandIn.start(r -> "none".equals(r.body().path("tool_choice").asText())
                ? Reply.text("Final answer: gave up")
                : Reply.toolCalls(new ToolCall("c" + System.nanoTime(), "add", "{\"a\":1,\"b\":1}")))) {
            Muse muse = Muse.builder().model(s.model).tools(tools).build();
            RunResult r = muse.ask("loop forever", RunOptions.of(Mode.THINKING).withTools(List.of("add")).withMaxToolSteps(3));
            assertThat(s.requests()).hasSize(4);
            assertThat(r.answer()).isEqualTo("Final answer: gave up");
            assertThat(r.notices()).anyMatch(n -> n.contains("limit of 3 tool steps"));
        }
    }

    @Test
    void should_return_client_tool_calls_to_the_caller() {
        ToolSpec weather = new ToolSpec("get_weather", "weather for a city", null);
        try (StandIn s = StandIn.start(r -> Reply.toolCalls(new ToolCall("w1", "get_weather", "{\"city\":\"Oslo\"}")))) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask("weather in Oslo?", RunOptions.of(Mode.INSTANT).withClientTools(List.of(weather)));
            assertThat(s.requests()).hasSize(1);
            assertThat(s.requests().getFirst().toolNames()).containsExactly("get_weather");
            assertThat(r.clientToolCalls()).extracting(ToolCall::name).containsExactly("get_weather");
            assertThat(r.clientToolCalls().getFirst().argumentsJson()).contains("Oslo");
        }
    }

    @Test
    void should_run_spawned_sub_agents_in_parallel_with_their_own_context() {
        CountDownLatch both = new CountDownLatch(2);
        try (StandIn s = StandIn.start(r -> {
            String last = r.lastUserText();
            if (last.startsWith("Subtask")) {
                // sub-agents see only their task: no trace of the parent's question
                if (r.allText().contains("Plan a trip")) return Reply.text("leaked parent context");
                both.countDown();
                try {
                    if (!both.await(5, TimeUnit.SECONDS)) return Reply.text("ran alone");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Reply.text("result of " + last);
            }
            if (lastIsTool(r)) {
                String joined = String.join(" | ", r.messages().stream().filter(m -> m.role().equals("tool"))
                        .map(RecordedRequest.Message::text).toList());
                return Reply.text("Combined: " + joined);
            }
            return Reply.toolCalls(
                    new ToolCall("s1", "spawn_agent", "{\"task\":\"Subtask A: find flights\"}"),
                    new ToolCall("s2", "spawn_agent", "{\"task\":\"Subtask B: find hotels\",\"max_tokens\":500}"));
        })) {
            Muse muse = Muse.builder().model(s.model).build();
            StandIn.Events ev = new StandIn.Events();
            RunResult r = muse.run(List.of(ChatMessage.user("Plan a trip to Rome")),
                    RunOptions.of(Mode.THINKING).withTools(List.of("spawn_agent")), ev, new Cancellation());

            assertThat(r.answer()).isEqualTo(
                    "Combined: result of Subtask A: find flights | result of Subtask B: find hotels");
            assertThat(ev.of(StreamEvent.AgentStarted.class))
                    .filteredOn(a -> a.agentId().startsWith("sub-"))
                    .extracting(StreamEvent.AgentStarted::agentId, StreamEvent.AgentStarted::parentId)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("sub-1.1", "agent-1"),
                            org.assertj.core.groups.Tuple.tuple("sub-1.2", "agent-1"));
            assertThat(ev.of(StreamEvent.UsageReport.class)).extracting(StreamEvent.UsageReport::agentId)
                    .contains("sub-1.1", "sub-1.2", "agent-1");
            // four backend calls in all; the run and the parent agent answer for the sub-agents' usage
            assertThat(s.requests()).hasSize(4);
            assertThat(r.usage().calls()).isEqualTo(4);
            assertThat(r.usage()).isEqualTo(ev.reportedUsage());
            assertThat(r.agents()).singleElement().satisfies(a -> assertThat(a.usage()).isEqualTo(r.usage()));
            assertThat(r.trace().usage()).isEqualTo(r.usage());
        }
    }

    @Test
    void should_refuse_to_spawn_past_the_depth_limit() {
        try (StandIn s = StandIn.start(r -> {
            if (lastIsTool(r)) {
                return Reply.text("saw: " + r.messages().getLast().text());
            }
            String id = r.lastUserText().startsWith("Deeper") ? "d2" : "d1";
            return Reply.toolCalls(new ToolCall(id, "spawn_agent",
                    "{\"task\":\"Deeper task\",\"tools\":[\"spawn_agent\"]}"));
        })) {
            Muse muse = Muse.builder().model(s.model).build();
            RunResult r = muse.ask("Top task", RunOptions.of(Mode.THINKING).withTools(List.of("spawn_agent")).withMaxAgentDepth(1));
            // agent-1 spawns sub-1.1 (depth 1); sub-1.1's own spawn is refused and it reads the error
            assertThat(r.answer()).startsWith("saw: saw: ").contains("depth limit (1) reached");
            assertThat(s.requests()).hasSize(4);
        }
    }
}
