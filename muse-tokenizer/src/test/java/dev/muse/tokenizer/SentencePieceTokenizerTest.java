package dev.muse.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SentencePieceTokenizerTest {

    private static List<String> pieces(Tokenizer t, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(t.piece(id));
        return out;
    }

    private static Tokenizer handMade() {
        LinkedHashMap<String, Double> p = new LinkedHashMap<>();
        for (String s : List.of("▁", "H", "e", "l", "o", "w", "r", "d", "a", "b", "c", "!")) p.put(s, -10.0);
        p.put("He", -3.0);
        p.put("ll", -1.0);
        p.put("llo", -2.0);
        p.put("Hello", -1.5);
        p.put("▁Hello", -1.2);
        p.put("▁w", -4.0);
        p.put("or", -3.5);
        p.put("ld", -3.6);
        p.put("▁wor", -3.0);
        p.put("▁world", -2.9);
        p.put("ab", -5.0);
        p.put("bc", -1.0);
        Map<String, Long> added = new LinkedHashMap<>();
        added.put("[INST]", 3L);
        added.put("[/INST]", 3L);
        return Tokenizers.fromGguf(TestVocabs.sentencePiece(p, added));
    }

    @Test
    void should_prefix_a_space_and_merge_by_score_into_whole_words() {
        Tokenizer t = handMade();
        assertThat(pieces(t, t.encode("Hello world"))).containsExactly("▁Hello", "▁world");
        assertThat(t.decode(t.encode("Hello world"))).isEqualTo("Hello world");
    }

    @Test
    void should_prefer_the_higher_scoring_merge() {
        // bc (-1.0) beats ab (-5.0)
        assertThat(pieces(handMade(), handMade().encode("abc"))).containsExactly("▁", "a", "bc");
    }

    @Test
    void should_fall_back_to_utf8_byte_tokens_for_characters_not_in_the_vocabulary() {
        Tokenizer t = handMade();
        assertThat(pieces(t, t.encode("é"))).containsExactly("▁", "<0xC3>", "<0xA9>");
        assertThat(pieces(t, t.encode("a😀"))).containsExactly("▁", "a", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>");
        assertThat(t.decode(t.encode("a😀 é"))).isEqualTo("a😀 é");
    }

    @Test
    void should_add_the_space_prefix_after_a_special_token_as_llama_cpp_does() {
        Tokenizer t = handMade();
        assertThat(pieces(t, t.encodeWithSpecialTokens("[INST]Hello[/INST]world")))
                .containsExactly("[INST]", "▁Hello", "[/INST]", "▁world");
        assertThat(pieces(t, t.encode("[INST]"))).doesNotContain("[INST]");
    }

    @Test
    void should_round_trip_a_multilingual_corpus() {
        // the vocabulary covers only part of the corpus: the rest goes through byte fallback
        String train = TestVocabs.CORPUS.substring(0, TestVocabs.CORPUS.indexOf("Emoji"));
        Tokenizer t = Tokenizers.fromGguf(TestVocabs.sentencePiece(TestVocabs.piecesFrom(train, 6), Map.of()));
        for (String line : TestVocabs.CORPUS.split("\n")) {
            assertThat(t.decode(t.encode(line))).as(line).isEqualTo(line);
        }
        assertThat(t.decode(t.encode(TestVocabs.CORPUS))).isEqualTo(TestVocabs.CORPUS);
        assertThat(t.encode("Grüße aus Köln").length).isLessThan(8);
    }

    @Test
    void should_not_add_a_space_prefix_when_the_file_says_so() {
        Map<String, Object> md = TestVocabs.sentencePiece(TestVocabs.piecesFrom("ab", 3), Map.of());
        md.put("tokenizer.ggml.add_space_prefix", false);
        Tokenizer t = Tokenizers.fromGguf(md);
        assertThat(pieces(t, t.encode("ab"))).containsExactly("ab");
        assertThat(t.decode(t.encode(" ab"))).isEqualTo(" ab");
    }

    @Test
    void should_default_to_bos_and_report_special_ids() {
        Tokenizer t = handMade();
        assertThat(t.addBosByDefault()).isTrue();
        assertThat(t.bosId()).isEqualTo(1);
        assertThat(t.eosId()).isEqualTo(2);
        assertThat(t.stopIds()).containsExactly(2);
        assertThat(t.isSpecial(1)).isTrue();
        assertThat(t.isSpecial(0)).isTrue();
        assertThat(t.decode(new int[] {1, t.encode("Hello")[0], 2})).isEqualTo("Hello");
    }
}
