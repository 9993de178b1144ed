package dev.muse.engine;

/** The prompt does not fit in the context window. */
public final class ContextOverflowException extends IllegalArgumentException {
    public ContextOverflowException(int promptTokens, int context) {
        super("the prompt has " + promptTokens + " tokens but the context holds " + context
                + " (one more is needed to generate); shorten the prompt or raise the context length (--context / -Dmuse.engine.context)");
    }
}
