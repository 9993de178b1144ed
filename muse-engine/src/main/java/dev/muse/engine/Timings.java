package dev.muse.engine;

/** How long a generation took: prompt processing (prefill) and token generation apart. */
public record Timings(int promptTokens, long promptNanos, int generatedTokens, long generateNanos) {
    public double promptMillis() {
        return promptNanos / 1e6;
    }

    public double generateMillis() {
        return generateNanos / 1e6;
    }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    public double tokensPerSecond() {
        return generateNanos == 0 ? 0 : generatedTokens * 1e9 / generateNanos;
    }
}
