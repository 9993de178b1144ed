package dev.muse.core;

/**
 * What a backend can do natively. Modes use this to choose between native reasoning and a {@code <think>} prompt,
 * and between one call with {@code n} and concurrent calls.
 */
public record Capabilities(boolean nativeReasoning, boolean reasoningBudget, boolean tools, boolean images, boolean nativeN) {
    public static final Capabilities BASIC = new Capabilities(false, false, false, false, false);
}
