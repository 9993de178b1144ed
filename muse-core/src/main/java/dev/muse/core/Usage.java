package dev.muse.core;

/**
 * Tokens a call (or a sum of calls) cost. {@code outputTokens} includes {@code reasoningTokens}, as OpenAI's
 * {@code completion_tokens} and Anthropic's {@code output_tokens} do. {@code reasoningEstimated} is true when any
 * reasoning count was estimated from text because the server did not report it.
 */
public record Usage(long inputTokens, long outputTokens, long reasoningTokens, boolean reasoningEstimated, int calls) {
    public static final Usage ZERO = new Usage(0, 0, 0, false, 0);

    public Usage {
        if (inputTokens < 0 || outputTokens < 0 || reasoningTokens < 0 || calls < 0) {
            throw new IllegalArgumentException("token counts cannot be negative");
        }
    }

    /** Usage of one backend call. */
    public static Usage of(long inputTokens, long outputTokens, long reasoningTokens, boolean reasoningEstimated) {
        return new Usage(inputTokens, outputTokens, reasoningTokens, reasoningEstimated, 1);
    }

    public Usage plus(Usage o) {
        return new Usage(
                inputTokens + o.inputTokens,
                outputTokens + o.outputTokens,
                reasoningTokens + o.reasoningTokens,
                reasoningEstimated || o.reasoningEstimated,
                calls + o.calls);
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}
