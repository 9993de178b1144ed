package dev.muse.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.engine.gguf.GgufWriter;
import dev.muse.engine.model.Architecture;
import dev.muse.engine.model.RandomModelWriter;
import dev.muse.engine.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF file from our writer, loaded the way the CLI loads one: tokenizer and template from its metadata. */
class GgufChatModelTest {
    @TempDir
    Path tmp;

    @Test
    void should_load_a_gguf_and_answer_a_chat_with_exact_usage() throws Exception {
        Path p = tmp.resolve("qwen3.gguf");
        RandomModelWriter.write(p, Architecture.QWEN3, RandomModelWriter.Shape.tiny(), GgmlType.Q8_0, 3);
        try (LocalModel m = LocalModels.load(p, null, new EngineOptions(2, 0))) {
            assertThat(m.name()).isEqualTo("local:qwen3");
            assertThat(m.config().architecture()).isEqualTo(Architecture.QWEN3);
            assertThat(m.contextLength()).isEqualTo(256);
            ChatRequest req = ChatRequest.builder().user("hi").temperature(0.0).maxTokens(5).build();
            ChatResponse r = m.chatModel().chat(req);
            int[] prompt = m.chatTemplate().render(req.messages()).tokens(m.tokenizer());
            assertThat(r.usage().inputTokens()).isEqualTo(prompt.length);
            assertThat(r.usage().outputTokens()).isBetween(1L, 5L);
            ChatResponse again = m.chatModel().chat(req);
            assertThat(again.text()).isEqualTo(r.text());
        }
    }

    @Test
    void raw_generation_should_return_ids_and_timings() throws Exception {
        Path p = tmp.resolve("llama.gguf");
        RandomModelWriter.write(p, Architecture.LLAMA, RandomModelWriter.Shape.tiny(), GgmlType.Q4_K, 4);
        try (LocalModel m = LocalModels.load(p, null, EngineOptions.defaults())) {
            CompletionResult r = m.complete("hello", new GenerateOptions(8, null, false, false), null);
            assertThat(r.tokens()).hasSize(8);
            assertThat(r.timings().promptTokens()).isEqualTo(r.generation().promptTokens().length);
            assertThat(r.timings().promptNanos()).isPositive();
            assertThat(r.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
        }
    }

    @Test
    void unsupported_architecture_should_be_named_with_the_supported_ones() throws Exception {
        Path p = tmp.resolve("gemma.gguf");
        new GgufWriter().put("general.architecture", "gemma3").write(p);
        assertThatThrownBy(() -> LocalModels.load(p, null, EngineOptions.defaults()))
                .hasMessageContaining("'gemma3'")
                .hasMessageContaining("llama, qwen2, qwen3");
    }

    @Test
    void a_tokenizer_file_with_a_gguf_should_be_refused_clearly() throws Exception {
        Path p = tmp.resolve("m.gguf");
        RandomModelWriter.write(p, Architecture.LLAMA, new RandomModelWriter.Shape(32, 64, 1, 2, 1, 260, 64), GgmlType.F32, 1);
        Path tok = Files.writeString(tmp.resolve("tok.bin"), "x");
        assertThatThrownBy(() -> LocalModels.load(p, tok, EngineOptions.defaults()))
                .hasMessageContaining("carries its own tokenizer");
    }
}
