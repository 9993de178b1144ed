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
import dev.muse.core.StreamListener;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.core.Usage;
import dev.muse.testkit.NSupport;
import dev.muse.testkit.ReasoningShape;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import dev.muse.testkit.StandInOpenAiServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OpenAiChatModelTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private StandInOpenAiServer server(Responder r) {
        StandInOpenAiServer s = StandInOpenAiServer.start(r);
        open.add(s);
        return s;
    }

    private OpenAiChatModel model(StandInOpenAiServer s) {
        return model(OpenAiConfig.of(s.baseUrl(), "sk-test", "stand-in").withTimeout(Duration.ofSeconds(5)).withRetryBaseDelay(Duration.ofMillis(20)));
    }

    private OpenAiChatModel model(OpenAiConfig c) {
        OpenAiChatModel m = new OpenAiChatModel(c);
        open.add(m::close);
        return m;
    }

    private static String text(List<StreamEvent> events, int choice) {
        StringBuilder sb = new StringBuilder();
        for (StreamEvent e : events) if (e instanceof StreamEvent.TextDelta d && d.choice() == choice) sb.append(d.text());
        return sb.toString();
    }

    private static String reasoning(List<StreamEvent> events, int choice) {
        StringBuilder sb = new StringBuilder();
        for (StreamEvent e : events) if (e instanceof StreamEvent.ReasoningDelta d && d.choice() == choice) sb.append(d.text());
        return sb.toString();
    }

    private static List<String> notices(List<StreamEvent> events) {
        return events.stream().filter(StreamEvent.Notice.class::isInstance).map(e -> ((StreamEvent.Notice) e).message()).toList();
    }

    // ---- plain calls

    @Test
    void should_answer_a_plain_question_without_streaming() {
        var s = server(r -> Reply.text("Paris is the capital."));
        ChatResponse r = model(s).chat(ChatRequest.builder().system("Be brief.").user("Capital of France?").temperature(0.3).maxTokens(50).build());
        assertThat(r.text()).isEqualTo("Paris is the capital.");
        assertThat(r.first().finishReason()).isEqualTo(FinishReason.STOP);
        var req = s.requests().getFirst();
        assertThat(req.authorization()).isEqualTo("Bearer sk-test");
        assertThat(req.stream()).isFalse();
        assertThat(req.model()).isEqualTo("stand-in");
        assertThat(req.temperature()).isEqualTo(0.3);
        assertThat(req.body().path("max_tokens").asInt()).isEqualTo(50);
        assertThat(req.messages()).extracting(m -> m.role() + ":" + m.text())
                .containsExactly("system:Be brief.", "user:Capital of France?");
    }

    @Test
    void should_send_no_authorization_header_without_a_key() {
        var s = server(r -> Reply.text("ok"));
        model(OpenAiConfig.of(s.baseUrl(), null, "stand-in")).chat(ChatRequest.of("hi"));
        assertThat(s.requests().getFirst().authorization()).isNull();
    }

    @Test
    void should_stream_deltas_with_usage_once_per_call() {
        var s = server(r -> Reply.text("one two three four five"));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model(s).stream(ChatRequest.of("count"), events::add);
        assertThat(r.text()).isEqualTo("one two three four five");
        assertThat(events.stream().filter(StreamEvent.TextDelta.class::isInstance).count()).isEqualTo(5);
        assertThat(text(events, 0)).isEqualTo("one two three four five");
        assertThat(events).filteredOn(StreamEvent.UsageReport.class::isInstance).hasSize(1);
        var req = s.requests().getFirst();
        assertThat(req.stream()).isTrue();
        assertThat(req.body().path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    // ---- reasoning shapes

    @ParameterizedTest
    @EnumSource(ReasoningShape.class)
    void should_separate_reasoning_from_the_answer_when_streaming(ReasoningShape shape) {
        var s = server(r -> Reply.text("The answer is 42.").withReasoning("Six times seven makes forty-two, certainly.", shape));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model(s).stream(ChatRequest.of("6*7?"), events::add);
        assertThat(r.text()).isEqualTo("The answer is 42.");
        assertThat(r.first().reasoning()).isEqualTo("Six times seven makes forty-two, certainly.");
        assertThat(text(events, 0)).doesNotContain("think").doesNotContain("Six");
        assertThat(reasoning(events, 0).strip()).isEqualTo("Six times seven makes forty-two, certainly.");
    }

    @ParameterizedTest
    @EnumSource(ReasoningShape.class)
    void should_separate_reasoning_from_the_answer_without_streaming(ReasoningShape shape) {
        var s = server(r -> Reply.text("The answer is 42.").withReasoning("Six times seven.", shape));
        ChatResponse r = model(s).chat(ChatRequest.of("6*7?"));
        assertThat(r.text()).isEqualTo("The answer is 42.");
        assertThat(r.first().reasoning()).isEqualTo("Six times seven.");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void should_take_text_before_a_lone_closing_think_tag_as_reasoning(boolean stream) {
        // templates such as QwQ's open <think> in the prompt: the output only closes it
        var s = server(r -> Reply.text("Let me add them up.\n</think>\n\nThe sum is 7."));
        ChatResponse r = model(s).generate(ChatRequest.of("3+4?"), stream ? e -> {} : StreamListener.NONE);
        assertThat(r.text()).isEqualTo("The sum is 7.");
        assertThat(r.first().reasoning()).isEqualTo("Let me add them up.");
    }

    @Test
    void should_send_reasoning_effort_and_thinking_switch_and_extras() {
        var s = server(r -> Reply.text("ok"));
        var m = model(s);
        m.chat(ChatRequest.builder().user("a").reasoning(new Reasoning(true, null, "high")).extra("top_k", 20).build());
        m.chat(ChatRequest.builder().user("b").reasoning(Reasoning.OFF).extra("chat_template_kwargs", Map.of("foo", "bar")).build());
        m.chat(ChatRequest.builder().user("c").build());
        JsonNode on = s.requests().get(0).body();
        assertThat(on.path("reasoning_effort").asText()).isEqualTo("high");
        assertThat(on.path("chat_template_kwargs").path("enable_thinking").asBoolean()).isTrue();
        assertThat(on.path("top_k").asInt()).isEqualTo(20);
        JsonNode off = s.requests().get(1).body();
        assertThat(off.has("reasoning_effort")).isFalse();
        assertThat(off.path("chat_template_kwargs").path("enable_thinking").asBoolean(true)).isFalse();
        assertThat(off.path("chat_template_kwargs").path("foo").asText()).isEqualTo("bar");
        JsonNode plain = s.requests().get(2).body();
        assertThat(plain.has("chat_template_kwargs")).isFalse();
        assertThat(plain.has("reasoning_effort")).isFalse();
    }

    @Test
    void should_drop_the_thinking_switch_for_good_when_a_server_rejects_it() {
        var s = server(r -> r.body().has("chat_template_kwargs")
                ? Reply.openAiError(400, "Unrecognized request argument supplied: chat_template_kwargs", "invalid_request_error", null)
                : Reply.text("fine"));
        var m = model(s);
        assertThat(m.chat(ChatRequest.builder().user("a").reasoning(Reasoning.OFF).build()).text()).isEqualTo("fine");
        assertThat(m.chat(ChatRequest.builder().user("b").reasoning(Reasoning.OFF).build()).text()).isEqualTo("fine");
        assertThat(s.requests()).hasSize(3); // rejected once, then never sent again
    }

    // ---- n

    @Test
    void should_get_n_samples_in_one_call_when_the_server_supports_n() {
        var s = server(r -> Reply.text("sample " + r.sampleIndex()));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        var m = model(s);
        ChatResponse r = m.stream(ChatRequest.builder().user("q").n(3).build(), events::add);
        assertThat(r.choices()).extracting(c -> c.index() + "=" + c.text()).containsExactly("0=sample 0", "1=sample 1", "2=sample 2");
        assertThat(s.requests()).hasSize(1);
        assertThat(s.requests().getFirst().n()).isEqualTo(3);
        assertThat(text(events, 2)).isEqualTo("sample 2");
        assertThat(events).filteredOn(StreamEvent.UsageReport.class::isInstance).hasSize(1);
        assertThat(r.usage().calls()).isEqualTo(1);
        assertThat(m.capabilities().nativeN()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void should_fall_back_to_concurrent_calls_when_the_server_ignores_n(boolean stream) {
        var s = server(r -> Reply.text("only one")).nSupport(NSupport.IGNORED);
        var m = model(s);
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        StreamListener l = stream ? events::add : StreamListener.NONE;
        ChatResponse r = m.generate(ChatRequest.builder().user("q").n(3).seed(7L).build(), l);
        assertThat(r.choices()).extracting(c -> c.index()).containsExactly(0, 1, 2);
        assertThat(r.choices()).allSatisfy(c -> assertThat(c.text()).isEqualTo("only one"));
        assertThat(s.requests()).hasSize(3);
        assertThat(s.requests().getFirst().n()).isEqualTo(3);
        assertThat(s.requests().subList(1, 3)).allSatisfy(q -> assertThat(q.n()).isEqualTo(1));
        assertThat(s.requests().stream().map(q -> q.seed()).toList()).containsExactlyInAnyOrder(7L, 8L, 9L);
        assertThat(r.usage().calls()).isEqualTo(3);
        if (stream) {
            assertThat(text(events, 1)).isEqualTo("only one");
            assertThat(notices(events)).anyMatch(n -> n.contains("ignores n"));
        }
        // remembered: the next request goes straight to single calls
        m.chat(ChatRequest.builder().user("again").n(2).build());
        assertThat(s.requests()).hasSize(5);
        assertThat(s.requests().subList(3, 5)).allSatisfy(q -> assertThat(q.n()).isEqualTo(1));
        assertThat(m.capabilities().nativeN()).isFalse();
    }

    @Test
    void should_fall_back_to_concurrent_calls_when_the_server_rejects_n() {
        var s = server(r -> Reply.text("s" + r.sampleIndex())).nSupport(NSupport.REJECTED);
        var m = model(s);
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = m.stream(ChatRequest.builder().user("q").n(3).build(), events::add);
        assertThat(r.choices()).hasSize(3);
        assertThat(r.choices()).extracting(c -> c.index()).containsExactly(0, 1, 2);
        assertThat(s.requests()).hasSize(4); // the rejected one and three singles
        assertThat(notices(events)).anyMatch(n -> n.contains("rejected n=3"));
        m.chat(ChatRequest.builder().user("again").n(2).build());
        assertThat(s.requests()).hasSize(6);
        assertThat(s.requests().subList(4, 6)).allSatisfy(q -> assertThat(q.n()).isEqualTo(1));
    }

    @Test
    void should_report_a_real_bad_request_when_single_calls_fail_too() {
        var s = server(r -> Reply.openAiError(400, "temperature is out of range", "invalid_request_error", null));
        assertThatThrownBy(() -> model(s).chat(ChatRequest.builder().user("q").n(2).build()))
                .isInstanceOfSatisfying(ModelException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ModelException.Kind.BAD_REQUEST);
                    assertThat(e.getMessage()).contains("openai:stand-in").contains("temperature is out of range");
                });
    }

    // ---- tools

    @Test
    void should_round_trip_parallel_tool_calls() {
        var s = server(r -> r.messages().getLast().role().equals("tool")
                ? Reply.text("It is 21 C in Paris and 15 C in Oslo.")
                : Reply.toolCalls(new ToolCall("call_1", "weather", "{\"city\":\"Paris\"}"), new ToolCall("call_2", "weather", "{\"city\":\"Oslo\"}")));
        var m = model(s);
        ToolSpec weather = new ToolSpec("weather", "Current weather", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatRequest first = ChatRequest.builder().user("Weather in Paris and Oslo?").tools(List.of(weather)).toolChoice("auto").build();
        ChatResponse r1 = m.stream(first, events::add);
        assertThat(r1.first().finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r1.first().toolCalls()).containsExactly(
                new ToolCall("call_1", "weather", "{\"city\":\"Paris\"}"), new ToolCall("call_2", "weather", "{\"city\":\"Oslo\"}"));
        assertThat(events).filteredOn(StreamEvent.ToolCallRequested.class::isInstance)
                .extracting(e -> ((StreamEvent.ToolCallRequested) e).call().argumentsJson())
                .containsExactly("{\"city\":\"Paris\"}", "{\"city\":\"Oslo\"}");
        JsonNode sent = s.requests().getFirst().body();
        assertThat(sent.path("tools").get(0).path("type").asText()).isEqualTo("function");
        assertThat(sent.path("tools").get(0).path("function").path("name").asText()).isEqualTo("weather");
        assertThat(sent.path("tools").get(0).path("function").path("parameters").path("properties").has("city")).isTrue();
        assertThat(sent.path("tool_choice").asText()).isEqualTo("auto");

        ChatRequest second = first.toBuilder()
                .message(r1.first().toMessage())
                .message(ChatMessage.tool("call_1", "weather", "21 C"))
                .message(ChatMessage.tool("call_2", "weather", "15 C"))
                .build();
        ChatResponse r2 = m.chat(second);
        assertThat(r2.text()).isEqualTo("It is 21 C in Paris and 15 C in Oslo.");
        JsonNode msgs = s.requests().get(1).body().path("messages");
        assertThat(msgs.get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(msgs.get(1).path("content").isNull()).isTrue();
        assertThat(msgs.get(1).path("tool_calls").get(1).path("id").asText()).isEqualTo("call_2");
        assertThat(msgs.get(1).path("tool_calls").get(1).path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(msgs.get(2).path("role").asText()).isEqualTo("tool");
        assertThat(msgs.get(2).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(msgs.get(3).path("content").asText()).isEqualTo("15 C");
    }

    @Test
    void should_name_a_forced_tool_in_tool_choice() {
        var s = server(r -> Reply.text("x"));
        model(s).chat(ChatRequest.builder().user("q").tools(List.of(new ToolSpec("calculator", "math", null))).toolChoice("calculator").build());
        assertThat(s.requests().getFirst().body().path("tool_choice").path("function").path("name").asText()).isEqualTo("calculator");
    }

    // ---- images

    @Test
    void should_send_images_as_image_url_parts() {
        var s = server(r -> Reply.text("a cat"));
        var png = ContentPart.Image.ofBytes("image/png", new byte[] {1, 2, 3});
        var web = new ContentPart.Image("https://example.org/cat.jpg", "low");
        model(s).chat(ChatRequest.builder().message(ChatMessage.user("What is this?", List.of(png, web))).build());
        JsonNode content = s.requests().getFirst().body().path("messages").get(0).path("content");
        assertThat(content.get(0).path("type").asText()).isEqualTo("text");
        assertThat(content.get(1).path("image_url").path("url").asText()).isEqualTo("data:image/png;base64,AQID");
        assertThat(content.get(2).path("image_url").path("detail").asText()).isEqualTo("low");
        assertThat(s.requests().getFirst().imageUrls()).containsExactly("data:image/png;base64,AQID", "https://example.org/cat.jpg");
    }

    // ---- faults

    @Test
    void should_retry_after_a_500_and_succeed() {
        var s = server(Responder.sequence(Reply.serverError(), Reply.text("recovered")));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model(s).stream(ChatRequest.of("q"), events::add);
        assertThat(r.text()).isEqualTo("recovered");
        assertThat(s.requests()).hasSize(2);
        assertThat(notices(events)).singleElement().asString().contains("retrying after 500").contains("(attempt 2/4)");
    }

    @Test
    void should_honour_retry_after_on_429() {
        var s = server(Responder.sequence(Reply.rateLimited(1), Reply.text("ok")));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        ChatResponse r = model(s).stream(ChatRequest.of("q"), events::add);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.text()).isEqualTo("ok");
        assertThat(ms).isGreaterThanOrEqualTo(950); // our own backoff would be ~20 ms
        assertThat(notices(events)).containsExactly("openai:stand-in: retrying after 429 in 1 s (attempt 2/4)");
    }

    @Test
    void should_give_up_after_the_configured_retries() {
        var s = server(r -> Reply.serverError());
        var m = model(OpenAiConfig.of(s.baseUrl(), null, "stand-in").withMaxRetries(2).withRetryBaseDelay(Duration.ofMillis(10)));
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.SERVER);
            assertThat(e.getMessage()).contains("HTTP 500").contains("server had an error");
        });
        assertThat(s.requests()).hasSize(3);
    }

    @Test
    void should_refuse_a_retry_after_longer_than_allowed() {
        var s = server(r -> Reply.rateLimited(3600));
        var m = model(OpenAiConfig.of(s.baseUrl(), null, "stand-in").withMaxRetryWait(Duration.ofSeconds(5)));
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.RATE_LIMITED);
            assertThat(e.getMessage()).contains("asks to wait 3600 s");
        });
        assertThat(s.requests()).hasSize(1);
    }

    @Test
    void should_time_out_a_stalled_server() {
        var s = server(r -> Reply.stall(Duration.ofSeconds(10)));
        var m = model(OpenAiConfig.of(s.baseUrl(), null, "stand-in").withTimeout(Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.TIMEOUT);
            assertThat(e.getMessage()).contains("300 ms").contains("--timeout");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(s.requests()).hasSize(1); // a timeout already spent the user's patience: not retried
    }

    @Test
    void should_time_out_a_stream_that_goes_silent() {
        var s = server(r -> Reply.text("a b c d e f").stallAfter(3, Duration.ofSeconds(10)));
        var m = model(OpenAiConfig.of(s.baseUrl(), null, "stand-in"));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> m.stream(ChatRequest.builder().user("q").timeout(Duration.ofMillis(300)).build(), events::add))
                .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.TIMEOUT));
        assertThat(text(events, 0)).isEqualTo("a b ");
    }

    @Test
    void should_report_a_stream_cut_after_text_was_streamed() {
        var s = server(r -> Reply.text("one two three four five six").cutAfter(3));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> model(s).stream(ChatRequest.of("q"), events::add))
                .isInstanceOfSatisfying(ModelException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ModelException.Kind.PROTOCOL);
                    assertThat(e.getMessage()).contains("stream cut short").contains("not retried");
                });
        assertThat(text(events, 0)).isEqualTo("one two ");
        assertThat(s.requests()).hasSize(1);
    }

    @Test
    void should_retry_a_stream_cut_before_anything_was_streamed() {
        var s = server(Responder.sequence(Reply.text("lost").cutAfter(1), Reply.text("whole answer")));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model(s).stream(ChatRequest.of("q"), events::add);
        assertThat(r.text()).isEqualTo("whole answer");
        assertThat(text(events, 0)).isEqualTo("whole answer");
        assertThat(s.requests()).hasSize(2);
        assertThat(notices(events)).singleElement().asString().contains("retrying after a cut stream");
    }

    // ---- errors that say what to do

    @Test
    void should_explain_a_bad_key() {
        var s = server(r -> Reply.text("never")).requireApiKey("right");
        var m = model(OpenAiConfig.of(s.baseUrl(), "wrong", "stand-in"));
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.AUTH);
            assertThat(e.backend()).isEqualTo("openai:stand-in");
            assertThat(e.getMessage()).contains("401").contains("MUSE_API_KEY / --api-key");
        });
        assertThat(s.requests()).hasSize(1);
    }

    @Test
    void should_explain_an_unknown_model() {
        var s = server(r -> Reply.text("never")).models("llama-3");
        var m = model(OpenAiConfig.of(s.baseUrl(), null, "gpt-9"));
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.NOT_FOUND);
            assertThat(e.getMessage()).contains("unknown model 'gpt-9'").contains("GET " + s.baseUrl() + "/models");
        });
    }

    @Test
    void should_explain_an_unreachable_server() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        var m = model(OpenAiConfig.of("http://127.0.0.1:" + port + "/v1", null, "x").withMaxRetries(1).withRetryBaseDelay(Duration.ofMillis(10)));
        assertThatThrownBy(() -> m.chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.UNREACHABLE);
            assertThat(e.getMessage()).contains("cannot reach http://127.0.0.1:" + port).contains("is the server running?");
        });
    }

    // ---- cancellation

    @Test
    void should_abort_the_http_stream_when_cancelled() throws Exception {
        var s = server(r -> Reply.text("word ".repeat(400)).withTokenDelay(Duration.ofMillis(10)));
        var m = model(s);
        Cancellation c = new Cancellation();
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(
                () -> m.stream(ChatRequest.builder().user("q").cancellation(c).build(), e -> {
                    events.add(e);
                    if (events.size() == 5) c.cancel("enough");
                }));
        assertThatThrownBy(() -> call.get(2, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.CANCELLED);
            assertThat(e.getMessage()).contains("enough");
        });
        assertThat(s.awaitClientDisconnects(1, Duration.ofSeconds(2))).as("server saw the connection close").isTrue();
        assertThat(text(events, 0).length()).isLessThan(100);
    }

    @Test
    void should_abort_a_call_waiting_for_headers_when_cancelled() throws Exception {
        var s = server(r -> Reply.stall(Duration.ofSeconds(10)));
        var m = model(s);
        Cancellation c = new Cancellation();
        CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(() -> m.chat(ChatRequest.builder().user("q").cancellation(c).build()));
        Thread.sleep(200);
        long t0 = System.nanoTime();
        c.cancel("stop");
        assertThatThrownBy(() -> call.get(2, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.CANCELLED));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1000));
    }

    @Test
    void should_cancel_during_a_retry_wait() throws Exception {
        var s = server(r -> Reply.rateLimited(30));
        var m = model(s);
        Cancellation c = new Cancellation();
        CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(() -> m.chat(ChatRequest.builder().user("q").cancellation(c).build()));
        Thread.sleep(200);
        c.cancel("stop");
        assertThatThrownBy(() -> call.get(2, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.CANCELLED));
        assertThat(s.requests()).hasSize(1);
    }

    // ---- token accounting

    @Test
    void should_take_reasoning_tokens_from_the_server() {
        var s = server(r -> Reply.text("42").withReasoning("long thoughts").withUsage(30, 120, 100));
        Usage u = model(s).chat(ChatRequest.of("q")).usage();
        assertThat(u).isEqualTo(new Usage(30, 120, 100, false, 1));
    }

    @Test
    void should_estimate_reasoning_tokens_the_server_left_out() {
        String thoughts = "a".repeat(400); // about 100 tokens
        var s = server(r -> Reply.text("42").withReasoning(thoughts, ReasoningShape.THINK_TAGS).withUsage(30, 150, 0).withoutReasoningTokens());
        Usage u = model(s).stream(ChatRequest.of("q"), e -> {}).usage();
        assertThat(u.inputTokens()).isEqualTo(30);
        assertThat(u.outputTokens()).isEqualTo(150);
        assertThat(u.reasoningTokens()).isEqualTo(100);
        assertThat(u.reasoningEstimated()).isTrue();
    }

    @Test
    void should_estimate_all_usage_when_the_server_reports_none() {
        var s = server(r -> Reply.text("b".repeat(40)).withReasoning("c".repeat(80)).withoutUsage());
        Usage u = model(s).stream(ChatRequest.of("d".repeat(80)), e -> {}).usage();
        assertThat(u.inputTokens()).isBetween(20L, 30L);
        assertThat(u.outputTokens()).isEqualTo(30);
        assertThat(u.reasoningTokens()).isEqualTo(20);
        assertThat(u.reasoningEstimated()).isTrue();
    }

    @Test
    void should_sum_usage_of_concurrent_samples() {
        var s = server(r -> Reply.text("x").withUsage(10, 5, 2)).nSupport(NSupport.REJECTED);
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        Usage u = model(s).stream(ChatRequest.builder().user("q").n(4).build(), events::add).usage();
        assertThat(u).isEqualTo(new Usage(40, 20, 8, false, 4));
        assertThat(events).filteredOn(StreamEvent.UsageReport.class::isInstance).hasSize(4);
    }

    // ---- samples running concurrently

    @Test
    void should_fail_all_samples_when_one_fails_and_report_the_real_cause() {
        var s = server(r -> r.seed() != null && r.seed() == 2L ? Reply.openAiError(401, "key revoked", "invalid_request_error", null)
                : Reply.text("slow ".repeat(200)).withTokenDelay(Duration.ofMillis(10))).nSupport(NSupport.REJECTED);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> model(s).stream(ChatRequest.builder().user("q").n(3).seed(0L).build(), e -> {}))
                .isInstanceOfSatisfying(ModelException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ModelException.Kind.AUTH);
                    assertThat(e.getMessage()).contains("key revoked");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the other samples were cancelled, not awaited").isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void should_cancel_every_concurrent_sample() throws Exception {
        var s = server(r -> Reply.text("slow ".repeat(300)).withTokenDelay(Duration.ofMillis(10))).nSupport(NSupport.IGNORED);
        var m = model(s);
        m.chat(ChatRequest.builder().user("learn that n is ignored").n(2).build());
        Cancellation c = new Cancellation();
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(() -> m.stream(ChatRequest.builder().user("q").n(3).cancellation(c).build(), e -> {
            events.add(e);
            if (events.size() == 20) c.cancel("enough");
        }));
        assertThatThrownBy(() -> call.get(2, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.kind()).isEqualTo(ModelException.Kind.CANCELLED));
        assertThat(s.awaitClientDisconnects(3, Duration.ofSeconds(2))).as("all three streams were closed").isTrue();
    }

    @Test
    void should_work_while_the_common_fork_join_pool_is_blocked() throws Exception {
        // callers may block every common-pool thread (one on a 2-core machine); the JDK's sendAsync needs one
        var s = server(r -> Reply.text("still here"));
        var m = model(s);
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        int threads = Math.max(1, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
        for (int i = 0; i < threads; i++) {
            CompletableFuture.runAsync(() -> {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            assertThat(m.stream(ChatRequest.builder().user("q").n(2).build(), e -> {}).choices()).hasSize(2);
            assertThat(m.chat(ChatRequest.of("q")).text()).isEqualTo("still here");
        } finally {
            hold.countDown();
        }
    }

    // ---- odd servers

    @Test
    void should_accept_a_plain_json_answer_to_a_streaming_request() {
        var s = server(r -> Reply.text("not streamed").withReasoning("thought")).streaming(false);
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse r = model(s).stream(ChatRequest.of("q"), events::add);
        assertThat(r.text()).isEqualTo("not streamed");
        assertThat(text(events, 0)).isEqualTo("not streamed");
        assertThat(reasoning(events, 0)).isEqualTo("thought");
    }

    private static String chunk(String delta, String finish) {
        return "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
    }

    @Test
    void should_report_a_stream_that_ends_cleanly_but_early() {
        var s = server(r -> Reply.raw(200, "text/event-stream", chunk("{\"content\":\"half an \"}", null)));
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> model(s).stream(ChatRequest.of("q"), events::add)).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.PROTOCOL);
            assertThat(e.getMessage()).contains("before [DONE]");
        });
        assertThat(text(events, 0)).isEqualTo("half an ");
        assertThat(s.requests()).hasSize(1);
    }

    @Test
    void should_accept_a_finished_stream_without_done() {
        var s = server(r -> Reply.raw(200, "text/event-stream", chunk("{\"content\":\"all \"}", null) + chunk("{\"content\":\"there\"}", "stop")));
        assertThat(model(s).stream(ChatRequest.of("q"), e -> {}).text()).isEqualTo("all there");
    }

    @Test
    void should_say_the_base_url_is_wrong_when_a_web_page_answers() {
        var s = server(r -> Reply.raw(200, "text/html; charset=utf-8", "<html><body>Welcome</body></html>"));
        assertThatThrownBy(() -> model(s).chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.PROTOCOL);
            assertThat(e.getMessage()).contains("web page").contains("check the base URL");
        });
    }

    @Test
    void should_report_a_non_json_body_as_a_protocol_error() {
        var s = server(r -> Reply.raw(200, "application/json", "{\"choices\": [oops"));
        assertThatThrownBy(() -> model(s).chat(ChatRequest.of("q"))).isInstanceOfSatisfying(ModelException.class, e -> {
            assertThat(e.kind()).isEqualTo(ModelException.Kind.PROTOCOL);
            assertThat(e.getMessage()).contains("not JSON");
        });
    }

    @Test
    void should_use_the_model_of_the_request_in_errors() {
        var s = server(r -> Reply.text("never")).models("a");
        assertThatThrownBy(() -> model(s).chat(ChatRequest.builder().user("q").model("other").build()))
                .hasMessageContaining("unknown model 'other'");
    }

    // ---- configuration

    @Test
    void should_validate_the_config_with_messages_that_say_what_to_do() {
        assertThatThrownBy(() -> OpenAiConfig.of("localhost:8080", null, "m")).hasMessageContaining("http://");
        assertThatThrownBy(() -> OpenAiConfig.of(null, null, "m")).hasMessageContaining("--base-url");
        assertThatThrownBy(() -> OpenAiConfig.of("http://h/v1", null, " ")).hasMessageContaining("--model");
        assertThatThrownBy(() -> OpenAiConfig.of("http://h/v1", null, "m").withTimeout(Duration.ZERO)).hasMessageContaining("timeout must be positive");
        assertThat(OpenAiConfig.of("http://localhost:11434", null, "m").baseUrl()).isEqualTo("http://localhost:11434/v1");
        assertThat(OpenAiConfig.of("http://h:1/v1/", "", "m").baseUrl()).isEqualTo("http://h:1/v1");
        assertThat(OpenAiConfig.of("http://h:1/v1/", "", "m").apiKey()).isNull();
        assertThat(OpenAiChatModel.create("http://h:1/v1", null, "qwen3", null).name()).isEqualTo("openai:qwen3");
    }

    @Test
    void should_read_retry_after_as_seconds_or_date() {
        assertThat(Transport.parseRetryAfter("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Transport.parseRetryAfter("0.5")).isEqualTo(Duration.ofMillis(500));
        String in3s = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(3));
        assertThat(Transport.parseRetryAfter(in3s)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(4));
        assertThat(Transport.parseRetryAfter("soon")).isNull();
    }
}
