package dev.muse.core;

/**
 * Splits {@code <think>…</think>} reasoning out of generated text, incrementally, so that streamed deltas can be
 * routed to reasoning or answer as they arrive without ever leaking a partial tag into either.
 * Servers that emit reasoning inline (llama.cpp without a reasoning format, many Ollama models, the local engine)
 * all use this one parser.
 */
public final class ThinkTags {
    public static final String OPEN = "<think>";
    public static final String CLOSE = "</think>";

    /** Receives classified pieces of text. */
    public interface Sink {
        void reasoning(String text);

        void answer(String text);
    }

    private final Sink sink;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder answer = new StringBuilder();
    private boolean inThink;
    private boolean sawAnyAnswerText;

    /**
     * @param startInReasoning true when the prompt already opened a {@code <think>} block (some chat templates
     *     append it), so text counts as reasoning until {@code </think>}
     */
    public ThinkTags(Sink sink, boolean startInReasoning) {
        this.sink = sink == null ? new Sink() {
            public void reasoning(String t) {}

            public void answer(String t) {}
        } : sink;
        this.inThink = startInReasoning;
    }

    public ThinkTags(Sink sink) {
        this(sink, false);
    }

    /** Splits a complete text at once: returns {reasoning, answer}. */
    public static String[] split(String text) {
        ThinkTags t = new ThinkTags(null);
        t.accept(text);
        t.finish();
        return new String[] {t.reasoning(), t.answer()};
    }

    public void accept(String delta) {
        pending.append(delta);
        drain(false);
    }

    /** Flushes any held-back text; an unclosed {@code <think>} block counts as reasoning. */
    public void finish() {
        drain(true);
    }

    public String reasoning() {
        return reasoning.toString().strip();
    }

    public String answer() {
        return answer.toString().strip();
    }

    public boolean inReasoning() {
        return inThink;
    }

    private void drain(boolean end) {
        while (!pending.isEmpty()) {
            String tag = inThink ? CLOSE : OPEN;
            int at = pending.indexOf(tag);
            if (at >= 0) {
                emit(pending.substring(0, at));
                pending.delete(0, at + tag.length());
                // an opening tag counts only before the answer has started; later it is literal text
                if (!inThink && sawAnyAnswerText) {
                    emit(tag);
                } else {
                    inThink = !inThink;
                }
                continue;
            }
            // hold back a suffix that could be the start of the tag
            int keep = end ? 0 : partialTagSuffix(pending, tag);
            emit(pending.substring(0, pending.length() - keep));
            pending.delete(0, pending.length() - keep);
            return;
        }
    }

    private void emit(String s) {
        if (s.isEmpty()) return;
        if (inThink) {
            reasoning.append(s);
            sink.reasoning(s);
        } else {
            if (!sawAnyAnswerText && s.isBlank()) {
                answer.append(s);
                return; // whitespace before <think> does not start the answer
            }
            sawAnyAnswerText = true;
            answer.append(s);
            sink.answer(s);
        }
    }

    private static int partialTagSuffix(CharSequence s, String tag) {
        int max = Math.min(tag.length() - 1, s.length());
        for (int k = max; k > 0; k--) {
            boolean match = true;
            for (int i = 0; i < k; i++) {
                if (s.charAt(s.length() - k + i) != tag.charAt(i)) {
                    match = false;
                    break;
                }
            }
            if (match) return k;
        }
        return 0;
    }
}
