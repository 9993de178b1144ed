package dev.muse.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.ContentPart;
import dev.muse.core.FinishReason;
import dev.muse.core.ModelException;
import dev.muse.core.Reasoning;
import dev.muse.core.StreamEvent;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.core.Usage;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import dev.muse.testkit.StandInAnthropicServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AnthropicChatModelTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private StandInAnthropicServer server(Responder r) {
        StandInAnthropicServer s = StandInAnthropicServer.start(r);
        open.add(s);
        return s;
    }

    private AnthropicChatModel model(StandInAnthropicServer s) {
        return model(AnthropicConfig.of(s.baseUrl(), "sk-ant-test", "claude-test").withTimeout(Duration.ofSeconds(5)).withRetryBaseDelay(Duration.ofMillis(20)));
    }

    private AnthropicChatModel model(AnthropicConfig c) {
        AnthropicChatModel m = new AnthropicChatModel(c);
        open.add(m::close);
        return m;
    }

    private static String joined(List<StreamEvent> events, Class<?> type) {
        StringBuilder sb = new StringBuilder();
        for (StreamEvent e : events) {
            if (type.isInstance(e) && e instanceof StreamEvent.TextDelta d) sb.append(d.text());
            if (type.isInstance(e) && e instanceof StreamEvent.ReasoningDelta d) sb.append(d.text());
        }
        return sb.toString();
    }

    @Test
    void should_send_the_messages_api_request_with_system_apart() {
        var s = server(r -> Reply.text("Bonjour"));
        ChatResponse r = model(s).chat(ChatRequest.builder().system("You translate.").user("Hello in French?").temperature(0.2).stop(List.of("END")).build());
        assertThat(r.text()).isEqualTo("Bonjour");
        var req = s.requests().getFirst();
        assertThat(req.path()).isEqualTo("/v1/messages");
        assertThat(req.header("x-api-key")).isEqualTo("sk-ant-test");
        assertThat(req.header("anthropic-version")).isEqualTo("2023-06-01");
        JsonNode b = req.body();
        assertThat(b.path("system").asText()).isEqualTo("You translate.");
        assertThat(b.path("messages")).hasSize(1);
        assertThat(b.path("messages").get(0).path("content").get(0).path("text").asText()).isEqualTo("Hello in French?");
        assertThat(b.path("max_tokens").asInt()).isEqualTo(4096);
        assertThat(b.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(b.path("stop_sequences").get(0).asText()).isEqualTo("END");
        assertThat(b.has("thinking")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void should_think_with_a_budget_and_keep_thinking_apart(boolean stream) {
        var s = server(r -> Reply.text("The answer is 42.").withReasoning("Six times seven is forty-two."));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatRequest req = ChatRequest.builder().user("6*7?").reasoning(Reasoning.on(2000)).maxTokens(500).temperature(0.7).build();
        ChatResponse r = stream ? model(s).stream(req, events::add) : model(s).chat(req);
        assertThat(r.text()).isEqualTo("The answer is 42.");
        assertThat(r.first().reasoning()).isEqualTo("Six times seven is forty-two.");
        JsonNode b = s.requests().getFirst().body();
        assertThat(b.path("thinking").path("type").asText()).isEqualTo("enabled");
        assertThat(b.path("thinking").path("budget_tokens").asInt()).isEqualTo(2000);
        assertThat(b.path("max_tokens").asInt()).isEqualTo(2500); // the 500 answer tokens on top of the budget
        assertThat(b.has("temperature")).isFalse(); // the API allows only 1 while thinking
        if (stream) {
            assertThat(joined(events, StreamEvent.ReasoningDelta.class)).isEqualTo("Six times seven is forty-two.");
            assertThat(joined(events, StreamEvent.TextDelta.class)).isEqualTo("The answer is 42.");
        }
    }

    @Test
    void should_raise_a_small_budget_to_the_api_minimum_and_map_effort() {
        assertThat(AnthropicWire.thinkingBudget(Reasoning.on(100), 4096)).isEqualTo(1024);
        assertThat(AnthropicWire.thinkingBudget(Reasoning.on(null), 4096)).isEqualTo(4096);
        assertThat(AnthropicWire.thinkingBudget(Reasoning.DEFAULT.withEffort("high"), 4096)).isEqualTo(24576);
        assertThat(AnthropicWire.thinkingBudget(Reasoning.DEFAULT.withEffort("minimal"), 4096)).isNull();
        assertThat(AnthropicWire.thinkingBudget(Reasoning.OFF, 4096)).isNull();
        assertThat(AnthropicWire.thinkingBudget(Reasoning.DEFAULT, 4096)).isNull();
    }

    @Test
    void should_round_trip_parallel_tool_calls_while_thinking() {
        var s = server(r -> r.lastUserText().contains("21 C")
                ? Reply.text("Paris 21 C, Oslo 15 C.")
                : Reply.toolCalls(new ToolCall("toolu_1", "weather", "{\"city\":\"Paris\"}"), new ToolCall("toolu_2", "weather", "{\"city\":\"Oslo\"}"))
                        .withReasoning("I should look both up."));
        var m = model(s);
        ToolSpec weather = new ToolSpec("weather", "Current weather", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatRequest first = ChatRequest.builder().user("Weather in Paris and Oslo?").tools(List.of(weather)).toolChoice("auto").reasoning(Reasoning.on(2048)).build();
        ChatResponse r1 = m.stream(first, events::add);
        assertThat(r1.first().finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r1.first().toolCalls()).containsExactly(
                new ToolCall("toolu_1", "weather", "{\"city\":\"Paris\"}"), new ToolCall("toolu_2", "weather", "{\"city\":\"Oslo\"}"));
        assertThat(events).filteredOn(StreamEvent.ToolCallRequested.class::isInstance).hasSize(2);
        JsonNode tools = s.requests().getFirst().body().path("tools");
        assertThat(tools.get(0).path("input_schema").path("properties").has("city")).isTrue();
        assertThat(s.requests().getFirst().body().path("tool_choice").path("type").asText()).isEqualTo("auto");

        ChatResponse r2 = m.chat(first.toBuilder()
                .message(r1.first().toMessage())
                .message(ChatMessage.tool("toolu_1", "weather", "21 C"))
                .message(ChatMessage.tool("toolu_2", "weather", "15 C"))
                .build());
        assertThat(r2.text()).isEqualTo("Paris 21 C, Oslo 15 C.");
        JsonNode msgs = s.requests().get(1).body().path("messages");
        assertThat(msgs).hasSize(3); // user, assistant, one user turn with both results
        JsonNode assistant = msgs.get(1).path("content");
        assertThat(assistant.get(0).path("type").asText()).isEqualTo("thinking");
        assertThat(assistant.get(0).path("signature").asText()).isEqualTo(StandInAnthropicServer.SIGNATURE);
        assertThat(assistant.get(2).path("input").path("city").asText()).isEqualTo("Oslo");
        JsonNode results = msgs.get(2).path("content");
        assertThat(results).hasSize(2);
        assertThat(results.get(1).path("type").asText()).isEqualTo("tool_result");
        assertThat(results.get(1).path("tool_use_id").asText()).isEqualTo("toolu_2");
    }

    @Test
    void should_send_images_as_base64_and_url_sources() {
        var s = server(r -> Reply.text("a cat"));
        var png = ContentPart.Image.ofBytes("image/png", new byte[] {1, 2, 3});
        var web = new ContentPart.Image("https://example.org/cat.jpg");
        model(s).chat(ChatRequest.builder().message(ChatMessage.user("What is this?", List.of(png, web))).build());
        JsonNode content = s.requests().getFirst().body().path("messages").get(0).path("content");
        assertThat(content.get(1).path("source").path("type").asText()).isEqualTo("base64");
        assertThat(content.get(1).path("source").path("media_type").asText()).isEqualTo("image/png");
        assertThat(content.get(1).path("source").path("data").asText()).isEqualTo("AQID");
        assertThat(content.get(2).path("source").path("url").asText()).isEqualTo("https://example.org/cat.jpg");
    }

    @Test
    void should_make_concurrent_calls_for_n_samples() {
        var s = server(r -> Reply.text("sample"));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        var m = model(s);
        ChatResponse r = m.stream(ChatRequest.builder().user("q").n(3).build(), events::add);
        assertThat(r.choices()).extracting(c -> c.index()).containsExactly(0, 1, 2);
        assertThat(s.requests()).hasSize(3);
        assertThat(s.requests()).allSatisfy(q -> assertThat(q.body().has("n")).isFalse());
        assertThat(events).filteredOn(StreamEvent.UsageReport.class::isInstance).hasSize(3);
        assertThat(r.usage().calls()).isEqualTo(3);
        assertThat(m.capabilities().nativeN()).isFalse();
    }

    @Test
    void should_retry_when_overloaded_and_honour_retry_after() {
        var s = server(Responder.sequence(Reply.anthropicError(529, "overloaded_error", "Overloaded"),
                Reply.anthropicError(429, "rate_limit_error", "slow down").withHeader("retry-after", "1"), Reply.text("ok")));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        ChatResponse r = model(s).stream(ChatRequest.of("q"), events::add);
        assertThat(r.text()).isEqualTo("ok");
        assertThat(System.nanoTime() - t0).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(950));
        assertThat(events).filteredOn(StreamEvent.Notice.class::isInstance).extracting(e -> ((StreamEvent.Notice) e).message())
                .containsExactly("anthropic:claude-test: retrying after 529 in 20 ms (attempt 2/4)".replace("20 ms", noticeDelay(events, 0)),
                        "anthropic:claude-test: retrying after 429 in 1 s (attempt 3/4)");
    }

    private static String noticeDelay(List<StreamEvent> events, int i) {
        String m = events.stream().filter(StreamEvent.Notice.class::isInstance).map(e -> ((StreamEvent.Notice) e).message()).toList().get(i);
        return m.substring(m.indexOf(" in ") + 4, m.indexOf(" (attempt"));
    }

    @Test
    void should_explain_a_bad_key_and_an_unknown_model() {
        var s = server(r -> r.model().equals("claude-nope")
                ? Reply.anthropicError(404, "not_found_error", "model: claude-nope")
                : Reply.text("never")).requireApiKey("right");
        assertThatThrownBy(() -> model(AnthropicConfig.of(s.baseUrl(), "wrong", "claude-test")).chat(ChatRequest.of("q")))
                .isInstanceOfSatisfying(ModelException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ModelException.Kind.AUTH);
                    assertThat(e.getMessage()).startsWith("anthropic:claude-test: ").contains("invalid x-api-key").contains("--api-key");
                });
        assertThatThrownBy(() -> model(AnthropicConfig.of(s.baseUrl(), "right", "claude-nope")).chat(ChatRequest.of("q")))
                .isInstanceOfSatisfying(ModelException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ModelException.Kind.NOT_FOUND);
                    assertThat(e.getMessage()).contains("unknown model 'claude-nope'");
                });
    }

    @Test
    void should_report_a_stream_cut_after_text_was_streamed() {
        var s = server(r -> Reply.text("one two three four five six").cutAfter(6));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> model(s).stream(ChatRequest.of("q"), events::add))
                .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.PROTOCOL));
        // message_start, ping, content_block_start, then three text deltas before the cut
        assertThat(joined(events, StreamEvent.TextDelta.class)).isEqualTo("one two three ");
        assertThat(s.requests()).hasSize(1);
    }

    @Test
    void should_abort_the_http_stream_when_cancelled() throws Exception {
        var s = server(r -> Reply.text("word ".repeat(400)).withTokenDelay(Duration.ofMillis(10)));
        var m = model(s);
        Cancellation c = new Cancellation();
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(() -> m.stream(ChatRequest.builder().user("q").cancellation(c).build(), e -> {
            events.add(e);
            if (events.size() == 5) c.cancel("enough");
        }));
        assertThatThrownBy(() -> call.get(2, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.CANCELLED));
        assertThat(s.awaitClientDisconnects(1, Duration.ofSeconds(2))).isTrue();
    }

    @Test
    void should_time_out_a_stalled_server() {
        var s = server(r -> Reply.stall(Duration.ofSeconds(10)));
        var m = model(AnthropicConfig.of(s.baseUrl(), "k", "claude-test").withTimeout(Duration.ofMillis(300)));
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q")))
                .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.TIMEOUT));
    }

    @Test
    void should_estimate_thinking_tokens_inside_reported_output() {
        var s = server(r -> Reply.text("42").withReasoning("x".repeat(400)).withUsage(25, 300, 0));
        Usage u = model(s).stream(ChatRequest.builder().user("q").reasoning(Reasoning.on(2048)).build(), e -> {}).usage();
        assertThat(u).isEqualTo(new Usage(25, 300, 100, true, 1));
    }

    @Test
    void should_estimate_everything_when_no_usage_is_sent() {
        var s = server(r -> Reply.text("y".repeat(40)).withoutUsage());
        Usage u = model(s).chat(ChatRequest.of("q")).usage();
        assertThat(u.outputTokens()).isEqualTo(10);
        assertThat(u.inputTokens()).isPositive();
        assertThat(u.reasoningEstimated()).isTrue();
    }

    @Test
    void should_validate_the_config() {
        assertThatThrownBy(() -> AnthropicConfig.of(null, null, "claude-x")).hasMessageContaining("MUSE_API_KEY");
        assertThat(AnthropicConfig.of(null, "k", "claude-x").baseUrl()).isEqualTo("https://api.anthropic.com/v1");
        assertThatThrownBy(() -> AnthropicConfig.of(null, "k", "claude-x").withDefaultThinkingBudget(10)).hasMessageContaining("1024");
        assertThat(AnthropicChatModel.create(null, "k", "claude-x", Duration.ofSeconds(3)).name()).isEqualTo("anthropic:claude-x");
    }
}
