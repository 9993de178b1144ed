package dev.muse.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteLevelBpeTokenizerTest {

    private static Map<String, Long> chatSpecials() {
        Map<String, Long> added = new LinkedHashMap<>();
        added.put("<|begin_of_text|>", 3L);
        added.put("<|eot_id|>", 3L);
        added.put("<|im_start|>", 3L);
        added.put("<|im_end|>", 3L);
        added.put("<think>", 4L);
        added.put("</think>", 4L);
        return added;
    }

    private static Tokenizer tokenizer(String pre) {
        Map<String, Object> md = TestVocabs.byteLevel(pre, TestVocabs.CORPUS, 400, chatSpecials());
        return Tokenizers.fromGguf(md);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "qwen2", "default", "smollm"})
    void should_round_trip_a_multilingual_corpus_line_by_line_and_whole(String pre) {
        Tokenizer t = tokenizer(pre);
        for (String line : TestVocabs.CORPUS.split("\n")) {
            assertThat(t.decode(t.encode(line))).isEqualTo(line);
        }
        assertThat(t.decode(t.encode(TestVocabs.CORPUS))).isEqualTo(TestVocabs.CORPUS);
        // text the merges never saw round-trips through byte tokens too
        String unseen = "Ünïcödé ≠ ascii ∑∫√ 🦀🦀 กขฃ 𓀀";
        assertThat(t.decode(t.encode(unseen))).isEqualTo(unseen);
    }

    @Test
    void should_compress_trained_text_below_one_token_per_byte() {
        Tokenizer t = tokenizer("llama-bpe");
        int bytes = TestVocabs.CORPUS.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(t.encode(TestVocabs.CORPUS).length).isLessThan(bytes / 2);
    }

    @Test
    void should_apply_merges_by_rank_not_by_position() {
        // "abc" with merges [b c] before [a b] must give a + bc; with the order reversed ab + c
        assertThat(tinyTokenizer(List.of("b c", "a b")).encode("abc")).containsExactly(id("a"), id("bc"));
        assertThat(tinyTokenizer(List.of("a b", "b c")).encode("abc")).containsExactly(id("ab"), id("c"));
    }

    @Test
    void should_merge_the_leftmost_pair_when_ranks_tie() {
        // "aaa": the one merge [a a] applies to the first pair, leaving aa + a
        assertThat(tinyTokenizer(List.of("a a")).encode("aaa")).containsExactly(id("aa"), id("a"));
        assertThat(tinyTokenizer(List.of("a a")).encode("aaaa")).containsExactly(id("aa"), id("aa"));
    }

    private static final List<String> TINY_EXTRA = List.of("ab", "bc", "aa");

    /** In the tiny vocabulary a single character's id is its byte value; merged tokens follow. */
    private static int id(String token) {
        return token.length() == 1 ? ByteUnicode.byteOf(token.charAt(0)) : 256 + TINY_EXTRA.indexOf(token);
    }

    private static Tokenizer tinyTokenizer(List<String> merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteUnicode.charOf(b)));
        tokens.addAll(TINY_EXTRA);
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", "default");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.merges", merges);
        return Tokenizers.fromGguf(md);
    }

    @Test
    void should_pre_tokenize_like_llama3_with_digit_triples_contractions_and_newline_runs() {
        assertThat(PreTokenizer.LLAMA3.split("Hello world!! 1234567\n\n  x I'M they'll"))
                .containsExactly("Hello", " world", "!!", " ", "123", "456", "7", "\n\n", " ", " x", " I", "'M", " they", "'ll");
    }

    @Test
    void should_pre_tokenize_qwen2_digits_one_by_one() {
        assertThat(PreTokenizer.QWEN2.split("x=12345;")).containsExactly("x", "=", "1", "2", "3", "4", "5", ";");
        assertThat(PreTokenizer.LLAMA3.split("x=12345;")).containsExactly("x", "=", "123", "45", ";");
    }

    @Test
    void should_treat_unicode_whitespace_as_whitespace_in_the_pattern() {
        // U+3000 ideographic space and NBSP are \s for the reference regex engines
        assertThat(PreTokenizer.LLAMA3.split("a\u3000\u3000b")).containsExactly("a", "\u3000", "\u3000b");
    }

    @Test
    void should_keep_control_token_text_literal_unless_asked_to_parse_specials() {
        Tokenizer t = tokenizer("qwen2");
        int imStart = indexOf(t, "<|im_start|>");
        String text = "<|im_start|>user\nHi<|im_end|>";
        assertThat(t.encode(text)).doesNotContain(imStart);
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
        int[] withSpecials = t.encodeWithSpecialTokens(text);
        assertThat(withSpecials[0]).isEqualTo(imStart);
        assertThat(withSpecials[withSpecials.length - 1]).isEqualTo(indexOf(t, "<|im_end|>"));
        assertThat(t.encodeWithSpecialTokens("plain text")).containsExactly(t.encode("plain text"));
    }

    @Test
    void should_match_user_defined_tokens_whole_even_in_plain_encode_and_decode_them_as_text() {
        Tokenizer t = tokenizer("qwen2");
        int think = indexOf(t, "<think>");
        int[] ids = t.encode("<think>plan</think>answer");
        assertThat(ids[0]).isEqualTo(think);
        assertThat(t.decode(ids)).isEqualTo("<think>plan</think>answer");
        assertThat(t.isSpecial(think)).isFalse();
    }

    @Test
    void should_leave_control_tokens_out_of_decoded_text_and_stop_on_end_of_turn_tokens() {
        Tokenizer t = tokenizer("llama-bpe");
        int eot = indexOf(t, "<|eot_id|>");
        int[] ids = t.encodeWithSpecialTokens("<|begin_of_text|>Hi<|eot_id|>");
        assertThat(t.decode(ids)).isEqualTo("Hi");
        assertThat(t.isSpecial(eot)).isTrue();
        assertThat(t.stopIds()).contains(eot, indexOf(t, "<|im_end|>"));
    }

    @Test
    void should_report_bos_eos_and_add_bos_from_metadata() {
        Map<String, Object> md = TestVocabs.byteLevel("llama-bpe", "abc", 2, chatSpecials());
        List<?> tokens = (List<?>) md.get("tokenizer.ggml.tokens");
        md.put("tokenizer.ggml.bos_token_id", (long) tokens.indexOf("<|begin_of_text|>"));
        md.put("tokenizer.ggml.eos_token_id", (long) tokens.indexOf("<|eot_id|>"));
        md.put("tokenizer.ggml.add_bos_token", true);
        Tokenizer t = Tokenizers.fromGguf(md);
        assertThat(t.bosId()).isEqualTo(tokens.indexOf("<|begin_of_text|>"));
        assertThat(t.eosId()).isEqualTo(tokens.indexOf("<|eot_id|>"));
        assertThat(t.addBosByDefault()).isTrue();
        assertThat(t.vocabSize()).isEqualTo(tokens.size());
    }

    @Test
    void should_encode_a_thousand_tokens_in_milliseconds_with_a_qwen_sized_vocabulary() {
        Map<String, Object> md = TestVocabs.byteLevel("qwen2", TestVocabs.CORPUS, 600, chatSpecials());
        @SuppressWarnings("unchecked")
        List<String> tokens = new ArrayList<>((List<String>) md.get("tokenizer.ggml.tokens"));
        @SuppressWarnings("unchecked")
        List<Long> types = new ArrayList<>((List<Long>) md.get("tokenizer.ggml.token_type"));
        @SuppressWarnings("unchecked")
        List<String> merges = new ArrayList<>((List<String>) md.get("tokenizer.ggml.merges"));
        // pad to 152k tokens with merges that real text never reaches, so table sizes are realistic
        for (int i = 0; tokens.size() < 152_000; i++) {
            String l = "\u0100" + Integer.toString(i, 36);
            tokens.add(l);
            types.add(1L);
            tokens.add(l + "\u0101");
            types.add(1L);
            merges.add(l + " \u0101");
        }
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.merges", merges);
        Tokenizer t = Tokenizers.fromGguf(md);
        StringBuilder sb = new StringBuilder();
        while (t.encode(sb.toString()).length < 1000) sb.append(TestVocabs.CORPUS).append(' ').append(sb.length());
        String text = sb.toString();
        for (int i = 0; i < 3; i++) t.encode(text + i); // warm up the JIT
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            int[] ids = t.encode(text + " run " + i);
            best = Math.min(best, System.nanoTime() - t0);
            assertThat(ids.length).isGreaterThanOrEqualTo(1000);
        }
        assertThat(best / 1_000_000.0).as("ms to encode ~1k+ tokens").isLessThan(50.0);
    }

    @Test
    void should_reject_malformed_merges_with_a_message_naming_the_merge() {
        Map<String, Object> md = TestVocabs.byteLevel("default", "abc", 1, Map.of());
        md.put("tokenizer.ggml.merges", List.of("abc"));
        assertThatThrownBy(() -> Tokenizers.fromGguf(md))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("merge #0")
                .hasMessageContaining("'abc'");
    }

    static int indexOf(Tokenizer t, String piece) {
        for (int i = 0; i < t.vocabSize(); i++) if (t.piece(i).equals(piece)) return i;
        throw new AssertionError("no token " + piece + " in the vocabulary");
    }

    @Test
    void should_merge_long_words_through_the_queue_exactly_as_the_scan_does() {
        ByteLevelBpeTokenizer t = (ByteLevelBpeTokenizer) tokenizer("llama-bpe");
        java.util.Random rnd = new java.util.Random(3);
        String letters = "thequickbrownfoxjumpsoverthelazydogéü";
        for (int k = 0; k < 300; k++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + rnd.nextInt(120);
            for (int i = 0; i < len; i++) w.append(letters.charAt(rnd.nextInt(letters.length())));
            byte[] bytes = w.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] a = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) a[i] = indexOf(t, String.valueOf(ByteUnicode.charOf(bytes[i])));
            int[] b = a.clone();
            int na = t.mergeByScan(a, a.length);
            int nb = t.mergeByQueue(b, b.length);
            assertThat(java.util.Arrays.copyOf(b, nb)).as(w.toString()).containsExactly(java.util.Arrays.copyOf(a, na));
        }
    }

    @Test
    void should_encode_a_pathologically_long_word_quickly() {
        Tokenizer t = tokenizer("qwen2");
        String word = "the".repeat(70_000); // one 210k-letter pre-token
        long t0 = System.nanoTime();
        int[] ids = t.encode(word);
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds").isLessThan(3.0);
        assertThat(t.decode(ids)).isEqualTo(word);
        assertThat(ids.length).isLessThan(word.length() / 2);
        for (String odd : List.of("!".repeat(100_000), " ".repeat(100_000) + "x", "\n \r\n".repeat(30_000), "1".repeat(100_000))) {
            long t1 = System.nanoTime();
            assertThat(t.decode(t.encode(odd))).isEqualTo(odd);
            assertThat((System.nanoTime() - t1) / 1e9).as("seconds").isLessThan(3.0);
        }
    }
}
