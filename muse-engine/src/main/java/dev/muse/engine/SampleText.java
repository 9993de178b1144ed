package dev.muse.engine;

import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ThinkTags;
import dev.muse.tokenizer.StreamingDecoder;
import java.util.List;

/** One sample's text pipeline: UTF-8 decoding → stop sequences → think split → tool-call muting → events. */
final class SampleText implements ThinkTags.Sink {
    private static final String TOOL_CALL_OPEN = "<tool_call>";

    final int index;
    final StreamingDecoder decoder;
    final List<String> stops;
    final int maxStop;
    final StreamListener out;
    final ThinkTags think;
    final StringBuilder raw = new StringBuilder();
    int released;
    boolean stopped;
    long reasoningTokens;
    /** answer text not yet streamed: a possible start of a tool call, or everything after one */
    final StringBuilder heldAnswer = new StringBuilder();
    boolean muted;
    boolean budgetForced;

    SampleText(int index, StreamingDecoder decoder, List<String> stops, boolean startInReasoning, StreamListener out) {
        this.index = index;
        this.decoder = decoder;
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.maxStop = this.stops.stream().mapToInt(String::length).max().orElse(0);
        this.out = out;
        this.think = new ThinkTags(this, startInReasoning);
    }

    /** Returns false once a stop sequence has been produced. */
    boolean accept(int token) {
        boolean wasReasoning = think.inReasoning();
        push(decoder.accept(token), false);
        if (wasReasoning || think.inReasoning()) reasoningTokens++;
        return !stopped;
    }

    /**
     * With a reasoning budget: once the think block has used {@code budget} tokens and is still open, the tokens
     * that close it ({@code closing}), once.
     */
    int[] forceCloseThinking(Integer budget, int[] closing) {
        if (budget == null || budgetForced || !think.inReasoning() || reasoningTokens < budget) return null;
        budgetForced = true;
        return closing;
    }

    void finish() {
        if (!stopped) push(decoder.flush(), true);
        think.finish();
    }

    private void push(String piece, boolean end) {
        if (stopped) return;
        raw.append(piece);
        int from = Math.max(0, released - maxStop);
        int cut = -1;
        for (String s : stops) {
            int at = raw.indexOf(s, from);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        int upTo;
        if (cut >= 0) {
            upTo = cut;
            stopped = true;
        } else {
            upTo = end ? raw.length() : raw.length() - heldForStops();
        }
        if (upTo > released) {
            think.accept(raw.substring(released, upTo));
            released = upTo;
        }
        if (stopped) raw.setLength(upTo);
    }

    /** Length of the longest suffix of the text that could still become a stop sequence. */
    private int heldForStops() {
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, raw.length() - released); k > best; k--) {
                if (CharSequence.compare(raw.subSequence(raw.length() - k, raw.length()), s.substring(0, k)) == 0) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    @Override
    public void reasoning(String text) {
        out.on(new StreamEvent.ReasoningDelta(null, index, text));
    }

    @Override
    public void answer(String text) {
        if (muted) {
            heldAnswer.append(text);
            return;
        }
        heldAnswer.append(text);
        int at = heldAnswer.indexOf(TOOL_CALL_OPEN);
        if (at >= 0) {
            emit(heldAnswer.substring(0, at));
            heldAnswer.delete(0, at);
            muted = true;
            return;
        }
        int keep = 0;
        for (int k = Math.min(TOOL_CALL_OPEN.length() - 1, heldAnswer.length()); k > 0; k--) {
            if (heldAnswer.toString().endsWith(TOOL_CALL_OPEN.substring(0, k))) {
                keep = k;
                break;
            }
        }
        emit(heldAnswer.substring(0, heldAnswer.length() - keep));
        heldAnswer.delete(0, heldAnswer.length() - keep);
    }

    /** No tool call came of the held text: stream it after all. */
    void releaseMuted() {
        emit(heldAnswer.toString());
        heldAnswer.setLength(0);
    }

    private void emit(String s) {
        if (!s.isEmpty()) out.on(new StreamEvent.TextDelta(null, index, s));
    }
}
