package dev.muse.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.core.StreamEvent;
import dev.muse.tokenizer.StreamingDecoder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-sample text pipeline: stop sequences across token boundaries, the think split, tool-call muting. */
class SampleTextTest {
    /** Token i decodes to PIECES[i]. */
    static final class Pieces implements StreamingDecoder {
        final String[] pieces;

        Pieces(String... pieces) {
            this.pieces = pieces;
        }

        @Override
        public String accept(int id) {
            return pieces[id];
        }

        @Override
        public String flush() {
            return "";
        }
    }

    final List<StreamEvent> events = new ArrayList<>();

    SampleText run(List<String> stops, boolean startInReasoning, String... pieces) {
        SampleText s = new SampleText(0, new Pieces(pieces), stops, startInReasoning, events::add);
        for (int i = 0; i < pieces.length; i++) {
            if (!s.accept(i)) break;
        }
        s.finish();
        return s;
    }

    String text() {
        StringBuilder b = new StringBuilder();
        for (StreamEvent e : events) if (e instanceof StreamEvent.TextDelta d) b.append(d.text());
        return b.toString();
    }

    String reasoning() {
        StringBuilder b = new StringBuilder();
        for (StreamEvent e : events) if (e instanceof StreamEvent.ReasoningDelta d) b.append(d.text());
        return b.toString();
    }

    @Test
    void should_cut_at_a_stop_sequence_split_over_tokens_and_never_stream_its_start() {
        SampleText s = run(List.of("END"), false, "Hello E", "N", "D and more");
        assertThat(s.stopped).isTrue();
        assertThat(text()).isEqualTo("Hello ");
        assertThat(s.think.answer()).isEqualTo("Hello");
    }

    @Test
    void should_release_held_text_when_it_does_not_become_a_stop_sequence() {
        SampleText s = run(List.of("END"), false, "Hello E", "NOUGH");
        assertThat(s.stopped).isFalse();
        assertThat(text()).isEqualTo("Hello ENOUGH");
    }

    @Test
    void should_split_think_blocks_into_reasoning_and_count_their_tokens() {
        SampleText s = run(List.of(), false, "<think>", "let me", " see", "</think>", "\n\nThe answer", " is 4.");
        assertThat(reasoning()).isEqualTo("let me see");
        assertThat(text().strip()).isEqualTo("The answer is 4.");
        assertThat(s.reasoningTokens).isEqualTo(4);
    }

    @Test
    void should_treat_text_as_reasoning_when_the_prompt_opened_the_think_block() {
        run(List.of(), true, "hmm", "</think>", "ok");
        assertThat(reasoning()).isEqualTo("hmm");
        assertThat(text()).isEqualTo("ok");
    }

    @Test
    void should_not_stream_tool_call_markup() {
        SampleText s = run(List.of(), false, "Sure. <tool", "_call>{\"name\": \"f\"", ", \"arguments\": {}}</tool_call>");
        assertThat(text()).isEqualTo("Sure. ");
        assertThat(s.think.answer()).contains("<tool_call>");
        s.releaseMuted();
        assertThat(text()).contains("<tool_call>"); // released when no tool call could be parsed from it
    }

    @Test
    void a_reasoning_budget_should_force_the_closing_tag_once_when_used_up() {
        SampleText s = new SampleText(0, new Pieces("<think>", "a", "b", "c"), List.of(), false, events::add);
        int[] closing = {7, 8};
        s.accept(0);
        assertThat(s.forceCloseThinking(2, closing)).isNull();
        s.accept(1);
        assertThat(s.forceCloseThinking(2, closing)).containsExactly(7, 8);
        s.accept(2);
        assertThat(s.forceCloseThinking(2, closing)).isNull();
        assertThat(s.forceCloseThinking(null, closing)).isNull();
    }
}
