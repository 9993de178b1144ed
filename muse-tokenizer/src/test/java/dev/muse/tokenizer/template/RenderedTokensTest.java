package dev.muse.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.core.ChatMessage;
import dev.muse.tokenizer.Tokenizer;
import dev.muse.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The prompt as ids: special tokens of the rendered template become single ids, BOS is never doubled. */
class RenderedTokensTest {

    private static Tokenizer byteLevel(boolean addBos, String... specials) {
        List<String> tokens = new ArrayList<>();
        List<Long> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            // GPT-2's byte alphabet, rebuilt here: printable Latin-1 stays, the rest shifts to U+0100+
            tokens.add(null);
            types.add(1L);
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            tokens.set(b, String.valueOf((char) (printable ? b : next++)));
        }
        for (String s : specials) {
            tokens.add(s);
            types.add(3L);
        }
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", "llama-bpe");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.merges", List.of());
        md.put("tokenizer.ggml.bos_token_id", 256L);
        md.put("tokenizer.ggml.add_bos_token", addBos);
        return Tokenizers.fromGguf(md);
    }

    @Test
    void should_not_double_bos_when_the_template_writes_it() {
        Tokenizer t = byteLevel(true, "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
        int[] ids = ChatTemplateTest.LLAMA31.render(List.of(ChatMessage.user("Hi"))).tokens(t);
        assertThat(ids[0]).isEqualTo(256);
        assertThat(ids[1]).isEqualTo(257);
        assertThat(java.util.Arrays.stream(ids).filter(i -> i == 256).count()).isEqualTo(1);
        assertThat(java.util.Arrays.stream(ids).filter(i -> i == 259).count()).isEqualTo(2); // <|eot_id|> twice
    }

    @Test
    void should_prepend_bos_when_the_tokenizer_wants_it_and_the_template_does_not_write_it() {
        Tokenizer t = byteLevel(true, "<s>", "<|im_start|>", "<|im_end|>");
        int[] ids = ChatTemplate.chatMl().render(List.of(ChatMessage.user("Hi"))).tokens(t);
        assertThat(ids[0]).isEqualTo(256);
        assertThat(ids[1]).isEqualTo(257);
        Tokenizer noBos = byteLevel(false, "<s>", "<|im_start|>", "<|im_end|>");
        assertThat(ChatTemplate.chatMl().render(List.of(ChatMessage.user("Hi"))).tokens(noBos)[0]).isEqualTo(257);
    }
}
