package dev.muse.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.FinishReason;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real stories260K model with its real tokenizer, through the public engine API the CLI uses. */
class Stories260kTextTest {
    static Path dir;
    static LocalModel model;

    @BeforeAll
    static void load() {
        String shared = System.getProperty("muse.shared.dir");
        assumeTrue(shared != null, "muse.shared.dir is not set; skipping the stories260K text tests");
        dir = Path.of(shared, "data", "stories260K");
        assumeTrue(Files.isRegularFile(dir.resolve("stories260K.bin")), "no stories260K under " + dir + "; skipping");
        model = LocalModels.load(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"), new EngineOptions(2, 0));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    @Test
    void greedy_completion_should_print_the_reference_text_of_run_c() throws Exception {
        String reference = Files.readString(dir.resolve("reference-greedy.txt")).stripTrailing();
        StringBuilder streamed = new StringBuilder();
        CompletionResult r = model.complete("Once upon a time", GenerateOptions.greedy(36), streamed::append);
        assertThat(r.generation().promptTokens()).containsExactly(1, 403, 407, 261, 378);
        assertThat("Once upon a time" + r.text()).isEqualTo(reference);
        assertThat(streamed.toString()).isEqualTo(r.text());
        assertThat(r.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
        assertThat(r.timings().generatedTokens()).isEqualTo(36);
        assertThat(r.timings().tokensPerSecond()).isPositive();
    }

    @Test
    void the_same_seed_should_give_the_same_sampled_text_and_another_seed_another() {
        GenerateOptions a = new GenerateOptions(40, dev.muse.engine.sampling.SamplerOptions.of(1.0f, 7), true, true);
        GenerateOptions b = new GenerateOptions(40, dev.muse.engine.sampling.SamplerOptions.of(1.0f, 8), true, true);
        CompletionResult r1 = model.complete("Once upon a time", a, null);
        CompletionResult r2 = model.complete("Once upon a time", a, null);
        CompletionResult r3 = model.complete("Once upon a time", b, null);
        assertThat(r1.tokens()).containsExactly(r2.tokens());
        assertThat(r3.tokens()).isNotEqualTo(r1.tokens());
        assertThat(r1.generation().logprobs()).hasSize(r1.tokens().length);
        for (float lp : r1.generation().logprobs()) assertThat(lp).isNegative();
    }

    @Test
    void chat_usage_should_count_prompt_and_generated_tokens_exactly() {
        ChatRequest req = ChatRequest.builder().user("Tell me a story").temperature(0.0).maxTokens(12).build();
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse resp = model.chatModel().stream(req, events::add);
        int[] prompt = model.chatTemplate().render(req.messages()).tokens(model.tokenizer());
        assertThat(resp.usage().inputTokens()).isEqualTo(prompt.length);
        assertThat(resp.usage().outputTokens()).isEqualTo(12);
        assertThat(resp.first().finishReason()).isEqualTo(FinishReason.LENGTH);
        String streamed = events.stream().filter(e -> e instanceof StreamEvent.TextDelta)
                .map(e -> ((StreamEvent.TextDelta) e).text()).reduce("", String::concat);
        assertThat(streamed.strip()).isEqualTo(resp.text());
        assertThat(events.stream().filter(e -> e instanceof StreamEvent.UsageReport)).hasSize(1);
    }

    @Test
    void a_stop_sequence_should_end_the_answer_before_it() {
        ChatRequest base = ChatRequest.builder().user("Once upon a time").temperature(0.0).maxTokens(40).build();
        String full = model.chatModel().chat(base).text();
        assumeTrue(full.length() > 20, "the model's answer is too short to cut");
        String stop = full.substring(full.length() / 2, full.length() / 2 + 4);
        String expected = full.substring(0, full.indexOf(stop)).strip();
        ChatResponse cut = model.chatModel().chat(base.toBuilder().stop(List.of(stop)).build());
        assertThat(cut.text()).isEqualTo(expected);
        assertThat(cut.first().finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void n_samples_should_share_the_prompt_and_be_greedy_identical() {
        ChatRequest req = ChatRequest.builder().user("Once upon a time").temperature(0.0).maxTokens(16).n(3).build();
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        ChatResponse resp = model.chatModel().stream(req, events::add);
        ChatResponse single = model.chatModel().chat(req.toBuilder().n(1).build());
        assertThat(resp.choices()).hasSize(3).allSatisfy(c -> assertThat(c.text()).isEqualTo(single.text()));
        assertThat(resp.usage().inputTokens()).isEqualTo(single.usage().inputTokens());
        assertThat(resp.usage().outputTokens()).isEqualTo(3 * single.usage().outputTokens());
        assertThat(events).anyMatch(e -> e instanceof StreamEvent.TextDelta d && d.choice() == 2);
    }

    @Test
    void sampled_n_should_differ_between_samples_but_repeat_with_the_seed() {
        ChatRequest req = ChatRequest.builder().user("Once upon a time").temperature(1.0).seed(5L).maxTokens(24).n(2).build();
        ChatResponse a = model.chatModel().chat(req);
        ChatResponse b = model.chatModel().chat(req);
        assertThat(a.choices().get(0).text()).isEqualTo(b.choices().get(0).text());
        assertThat(a.choices().get(1).text()).isEqualTo(b.choices().get(1).text());
        assertThat(a.choices().get(0).text()).isNotEqualTo(a.choices().get(1).text());
    }

    @Test
    void a_prompt_longer_than_the_context_should_be_a_bad_request() {
        try (LocalModel small = LocalModels.load(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"), new EngineOptions(1, 16))) {
            ChatRequest req = ChatRequest.of("a long prompt ".repeat(20));
            assertThatThrownBy(() -> small.chatModel().chat(req))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("context holds 16")
                    .satisfies(e -> assertThat(((ModelException) e).kind()).isEqualTo(ModelException.Kind.BAD_REQUEST));
        }
    }

    @Test
    void a_file_that_is_no_model_should_say_so() throws Exception {
        Path junk = Files.createTempFile("junk", ".bin");
        Files.write(junk, new byte[100]);
        assertThatThrownBy(() -> LocalModels.load(junk, null, EngineOptions.defaults()))
                .hasMessageContaining("neither a GGUF file");
        Files.delete(junk);
    }

    @Test
    void forced_tokens_should_replace_sampling_and_count_as_generated() {
        int[] prompt = {1, 403};
        Generation g = model.generate(prompt, GenerateOptions.greedy(6), new TokenSink() {
            boolean done;

            @Override
            public boolean accept(int sample, int token) {
                return true;
            }

            @Override
            public int[] forcedAfter(int sample) {
                if (done) return null;
                done = true;
                return new int[] {376, 298};
            }
        });
        assertThat(g.tokens()).hasSize(6);
        assertThat(g.tokens()[1]).isEqualTo(376);
        assertThat(g.tokens()[2]).isEqualTo(298);
        assertThat(g.tokens()[0]).isEqualTo(407); // greedy after "Once": " upon"
    }
}
