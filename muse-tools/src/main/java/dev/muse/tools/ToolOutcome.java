package dev.muse.tools;

/**
 * The result of one tool call as the model will read it. {@code error} is true for an unknown tool, bad
 * arguments, a failure or a timeout; the text then says what went wrong so the model can correct itself.
 */
public record ToolOutcome(String text, boolean error, long elapsedMillis) {}
