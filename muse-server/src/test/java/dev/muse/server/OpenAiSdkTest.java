package dev.muse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Black-box: the official OpenAI Java SDK against a running Muse server over a loopback stand-in backend. */
class OpenAiSdkTest {

    static OpenAIClient client(Harness h) {
        return OpenAIOkHttpClient.builder().baseUrl(h.server.url() + "/v1").apiKey("not-needed-on-loopback")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    static ChatCompletionCreateParams.Builder ask(String model, String question) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(question);
    }

    @Test
    void should_answer_plain_completion_through_the_sdk() {
        try (Harness h = Harness.start(Responder.always(Reply.text("Paris").withReasoning("the capital of France")))) {
            ChatCompletion c = client(h).chat().completions().create(ask("muse-thinking", "Capital of France?").build());
            assertThat(c.choices()).hasSize(1);
            assertThat(c.choices().getFirst().message().content().orElseThrow()).contains("Paris");
            assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(c.usage()).isPresent();
            assertThat(c.usage().get().completionTokens()).isPositive();
            assertThat(c.usage().get().completionTokensDetails().flatMap(d -> d.reasoningTokens())).isPresent();
            JsonValue muse = c._additionalProperties().get("muse");
            assertThat(muse).isNotNull();
            assertThat(muse.convert(Map.class).get("run_id").toString()).startsWith("run_");
        }
    }

    @Test
    void should_stream_content_reasoning_and_usage_through_the_sdk() {
        try (Harness h = Harness.start(Responder.always(Reply.text("Four").withReasoning("two plus two")
                .withTokenDelay(Duration.ofMillis(2))))) {
            ChatCompletionCreateParams p = ask("stand-in", "2+2?").reasoningEffort(ReasoningEffort.LOW)
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
            StringBuilder content = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            List<String> ids = new ArrayList<>();
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> s = client(h).chat().completions().createStreaming(p)) {
                s.stream().forEach(chunk -> {
                    chunks.add(chunk);
                    ids.add(chunk.id());
                    for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                        ch.delta().content().ifPresent(content::append);
                        JsonValue r = ch.delta()._additionalProperties().get("reasoning_content");
                        if (r != null) reasoning.append(r.convert(String.class));
                    }
                });
            }
            assertThat(content.toString()).isEqualTo("Four");
            assertThat(reasoning.toString()).contains("two plus two");
            assertThat(ids).allMatch(id -> id.equals(ids.getFirst()));
            assertThat(chunks.getFirst().choices().getFirst().delta().role()).isPresent();
            assertThat(chunks.getLast().choices()).isEmpty();
            assertThat(chunks.getLast().usage()).isPresent();
            assertThat(chunks.stream().flatMap(c -> c.choices().stream()).filter(c -> c.finishReason().isPresent()).count()).isEqualTo(1);
        }
    }

    @Test
    void should_keep_a_silent_stream_alive_with_pings_the_sdk_ignores() {
        // the backend is silent for 3.2 s: the server commits the stream and sends SSE comments meanwhile
        try (Harness h = Harness.start(Responder.always(Reply.text("late but fine").stalledFor(Duration.ofMillis(3200))))) {
            StringBuilder content = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> s = client(h).chat().completions()
                    .createStreaming(ask("muse-instant", "take your time").build())) {
                s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
            }
            assertThat(content.toString()).isEqualTo("late but fine");
            java.net.http.HttpResponse<String> raw = h.post("/v1/chat/completions",
                    Harness.chat("muse-instant", "again", "\"stream\":true"));
            assertThat(raw.body()).contains(": ping").endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void should_return_client_tool_calls_with_finish_reason_tool_calls() {
        try (Harness h = Harness.start(Responder.always(Reply.toolCalls(
                new dev.muse.core.ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}"))))) {
            ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                    .name("get_weather").description("current weather in a city")
                    .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                    .build()).build();
            ChatCompletion c = client(h).chat().completions().create(ask("muse-instant", "Weather in Oslo?").addTool(tool).build());
            ChatCompletion.Choice choice = c.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
            assertThat(call.function().name()).isEqualTo("get_weather");
            assertThat(call.function().arguments()).contains("Oslo");
            assertThat(h.backend.requests().getFirst().body().get("tools").toString()).contains("get_weather");
        }
    }

    @Test
    void should_pass_images_to_the_backend() {
        try (Harness h = Harness.start(Responder.always(Reply.text("a red pixel")))) {
            String png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
            ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("muse-instant")
                    .addUserMessageOfArrayOfContentParts(List.of(
                            ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                            ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                    .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(png).build()).build())))
                    .build();
            ChatCompletion c = client(h).chat().completions().create(p);
            assertThat(c.choices().getFirst().message().content().orElseThrow()).contains("red pixel");
            assertThat(h.backend.requests().getFirst().body().get("messages").toString()).contains(png);
        }
    }

    @Test
    void should_map_errors_to_sdk_exceptions_with_status() {
        try (Harness h = Harness.start(Responder.always(Reply.text("unused")))) {
            OpenAIClient client = client(h);
            assertThatThrownBy(() -> client.chat().completions().create(ask("no-such-model", "hi").build()))
                    .isInstanceOf(NotFoundException.class).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> client.chat().completions().create(ask("muse-instant", "hi").temperature(7.0).build()))
                    .isInstanceOf(BadRequestException.class)
                    .satisfies(e -> assertThat(((BadRequestException) e).param()).contains("temperature"));
        }
    }

    @Test
    void should_answer_503_when_the_backend_is_down() {
        try (Harness h = Harness.start(Responder.always(Reply.text("unused")))) {
            h.backend.close(); // nothing listens on the backend's port any more
            assertThatThrownBy(() -> client(h).chat().completions().create(ask("muse-instant", "hi").build()))
                    .isInstanceOf(OpenAIServiceException.class)
                    .satisfies(e -> assertThat(((OpenAIServiceException) e).statusCode()).isEqualTo(503))
                    .hasMessageContaining("unavailable");
            assertThat(h.get("/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void should_cancel_the_run_and_its_backend_call_when_the_client_disconnects() throws Exception {
        String longAnswer = "word ".repeat(400);
        try (Harness h = Harness.start(Responder.always(Reply.text(longAnswer).withTokenDelay(Duration.ofMillis(20))))) {
            String runId;
            try (StreamResponse<ChatCompletionChunk> s = client(h).chat().completions()
                    .createStreaming(ask("muse-instant", "talk a lot").build())) {
                Iterator<ChatCompletionChunk> it = s.stream().iterator();
                // the first chunk's muse extension names the run
                runId = it.next()._additionalProperties().get("muse").convert(Map.class).get("run_id").toString();
                int seen = 1;
                while (it.hasNext() && seen < 5) {
                    it.next();
                    seen++;
                }
                assertThat(seen).isEqualTo(5);
            }
            // the server notices the gone client, cancels the run, and the backend call is aborted
            assertThat(h.backend.awaitClientDisconnects(1, Duration.ofSeconds(10))).isTrue();
            long deadline = System.currentTimeMillis() + 10_000;
            String status = "";
            while (System.currentTimeMillis() < deadline) {
                status = Harness.json(h.get("/v1/muse/runs/" + runId)).get("status").asText();
                if (!status.equals("running")) break;
                Thread.sleep(50);
            }
            assertThat(status).isEqualTo("cancelled");
        }
    }
}
