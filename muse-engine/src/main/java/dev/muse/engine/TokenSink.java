package dev.muse.engine;

/** Receives generated tokens as they are chosen; returning false stops that sample. */
@FunctionalInterface
public interface TokenSink {
    TokenSink NONE = (sample, token) -> true;

    boolean accept(int sample, int token);

    /**
     * Tokens to force next into sample {@code sample} instead of sampling (asked after every accepted token),
     * or null for none. Forced tokens are generated tokens like any other: they are passed to {@link #accept} and
     * counted. Used for reasoning budgets (closing a {@code <think>} block).
     */
    default int[] forcedAfter(int sample) {
        return null;
    }

    /**
     * Told when the number of sequences decoded together with this request grows: {@code sequences} in one
     * batch, the first {@code sharedPrefix} tokens of this request's prompt computed once and shared (taken from the
     * cache or from another request's prompt, or computed here and copied by another request).
     */
    default void batch(int sequences, int sharedPrefix) {}
}
