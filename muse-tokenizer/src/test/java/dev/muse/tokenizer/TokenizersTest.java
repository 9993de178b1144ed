package dev.muse.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenizersTest {

    @Test
    void should_explain_a_gguf_without_a_tokenizer() {
        assertThatThrownBy(() -> Tokenizers.fromGguf(Map.of("general.architecture", "llama")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.ggml.model");
    }

    @Test
    void should_name_the_unsupported_tokenizer_model_and_the_supported_ones() {
        Map<String, Object> md = new HashMap<>(Map.of("tokenizer.ggml.model", "bert", "tokenizer.ggml.tokens", List.of("a")));
        assertThatThrownBy(() -> Tokenizers.fromGguf(md))
                .hasMessageContaining("'bert'")
                .hasMessageContaining("gpt2")
                .hasMessageContaining("llama");
    }

    @Test
    void should_name_the_key_whose_value_has_the_wrong_type() {
        Map<String, Object> md = TestVocabs.byteLevel("default", "ab", 1, Map.of());
        md.put("tokenizer.ggml.token_type", List.of(1L, 2L));
        assertThatThrownBy(() -> Tokenizers.fromGguf(md))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.ggml.token_type");
        Map<String, Object> md2 = TestVocabs.byteLevel("default", "ab", 1, Map.of());
        md2.remove("tokenizer.ggml.merges");
        assertThatThrownBy(() -> Tokenizers.fromGguf(md2)).hasMessageContaining("tokenizer.ggml.merges is missing");
        Map<String, Object> md3 = TestVocabs.byteLevel("default", "ab", 1, Map.of());
        md3.put("tokenizer.ggml.bos_token_id", "1");
        assertThatThrownBy(() -> Tokenizers.fromGguf(md3)).hasMessageContaining("bos_token_id should be an integer");
        Map<String, Object> md4 = TestVocabs.byteLevel("default", "ab", 1, Map.of());
        md4.put("tokenizer.ggml.eos_token_id", 100_000L);
        assertThatThrownBy(() -> Tokenizers.fromGguf(md4)).hasMessageContaining("outside the vocabulary");
    }
}
