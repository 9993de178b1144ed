package dev.muse.engine;

/** Why a generation ended. */
public enum StopReason {
    /** an end-of-sequence or stop token */
    EOS,
    /** the requested number of tokens */
    MAX_TOKENS,
    /** no positions left in the context */
    CONTEXT_FULL,
    /** the caller's token callback asked to stop (stop sequence, cancellation) */
    STOPPED_BY_CALLER
}
