package dev.muse.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    private static final Tokenizer BYTE_LEVEL =
            Tokenizers.fromGguf(TestVocabs.byteLevel("llama-bpe", "plain ascii only", 5, Map.of()));
    private static final Tokenizer SENTENCE_PIECE =
            Tokenizers.fromGguf(TestVocabs.sentencePiece(TestVocabs.piecesFrom("plain ascii", 3), Map.of()));

    @Test
    void should_never_emit_part_of_a_character_for_byte_level_tokens() {
        assertWholeCharacters(BYTE_LEVEL, TestVocabs.CORPUS, TestVocabs.CORPUS);
    }

    @Test
    void should_never_emit_part_of_a_character_for_byte_fallback_tokens() {
        // a streamed continuation keeps the space the SentencePiece encoder put in front of the text
        assertWholeCharacters(SENTENCE_PIECE, TestVocabs.CORPUS, " " + TestVocabs.CORPUS);
    }

    private static void assertWholeCharacters(Tokenizer t, String text, String expectedStream) {
        int[] ids = t.encode(text);
        StreamingDecoder d = t.newStreamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) chunks.add(d.accept(id));
        chunks.add(d.flush());
        for (String c : chunks) {
            assertThat(c).doesNotContain("\uFFFD");
            if (!c.isEmpty()) {
                assertThat(Character.isLowSurrogate(c.charAt(0))).isFalse();
                assertThat(Character.isHighSurrogate(c.charAt(c.length() - 1))).isFalse();
            }
        }
        assertThat(String.join("", chunks)).isEqualTo(expectedStream);
    }

    @Test
    void should_hold_back_an_emoji_until_its_last_byte_arrives() {
        Tokenizer t = BYTE_LEVEL;
        int[] ids = t.encode("😀");
        assertThat(ids).hasSize(4); // no merges cover it: four byte tokens
        StreamingDecoder d = t.newStreamingDecoder();
        assertThat(d.accept(ids[0])).isEmpty();
        assertThat(d.accept(ids[1])).isEmpty();
        assertThat(d.accept(ids[2])).isEmpty();
        assertThat(d.accept(ids[3])).isEqualTo("😀");
    }

    @Test
    void should_flush_an_unfinished_character_as_a_replacement_character() {
        int[] ids = BYTE_LEVEL.encode("é");
        StreamingDecoder d = BYTE_LEVEL.newStreamingDecoder();
        assertThat(d.accept(ids[0])).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD");
        assertThat(d.flush()).isEmpty();
    }

    @Test
    void should_emit_invalid_bytes_as_replacement_and_keep_going() {
        // a lone continuation byte followed by ASCII: nothing to wait for
        Tokenizer t = BYTE_LEVEL;
        int cont = t.encode("é")[1];
        StreamingDecoder d = t.newStreamingDecoder();
        assertThat(d.accept(cont) + d.accept(t.encode("a")[0])).isEqualTo("\uFFFDa");
    }

    @Test
    void should_strip_the_space_prefix_right_after_bos_only() {
        LinkedHashMap<String, Double> p = TestVocabs.piecesFrom("Hi there", 8);
        Tokenizer t = Tokenizers.fromGguf(TestVocabs.sentencePiece(p, Map.of()));
        int[] ids = t.encode("Hi there");
        StreamingDecoder afterBos = t.newStreamingDecoder();
        StringBuilder a = new StringBuilder(afterBos.accept(t.bosId()));
        for (int id : ids) a.append(afterBos.accept(id));
        assertThat(a.toString()).isEqualTo("Hi there");
        StreamingDecoder continuation = t.newStreamingDecoder();
        StringBuilder b = new StringBuilder();
        for (int id : ids) b.append(continuation.accept(id));
        assertThat(b.toString()).isEqualTo(" Hi there");
    }

    @Test
    void should_reject_ids_outside_the_vocabulary() {
        StreamingDecoder d = BYTE_LEVEL.newStreamingDecoder();
        assertThatThrownBy(() -> d.accept(BYTE_LEVEL.vocabSize()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> BYTE_LEVEL.decode(new int[] {-1})).hasMessageContaining("outside the vocabulary");
    }
}
