package dev.muse.core;

import java.util.List;

/**
 * One sample of a response. {@code text} is the answer with any reasoning removed; {@code reasoning} is the
 * reasoning (from a native field or parsed out of {@code <think>} tags), or empty.
 */
public record Choice(int index, String text, String reasoning, List<ToolCall> toolCalls, FinishReason finishReason) {
    public Choice {
        text = text == null ? "" : text;
        reasoning = reasoning == null ? "" : reasoning;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        finishReason = finishReason == null ? FinishReason.STOP : finishReason;
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** This choice as the assistant message that continues the conversation. */
    public ChatMessage toMessage() {
        return ChatMessage.assistant(text, toolCalls, reasoning.isEmpty() ? null : reasoning);
    }
}
