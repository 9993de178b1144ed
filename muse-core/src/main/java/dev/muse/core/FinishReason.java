package dev.muse.core;

/** Why a choice stopped. */
public enum FinishReason {
    STOP,
    LENGTH,
    TOOL_CALLS,
    CONTENT_FILTER,
    CANCELLED,
    ERROR;

    /** Maps the finish reasons servers send (OpenAI's and Anthropic's names) to ours. */
    public static FinishReason fromWire(String s) {
        if (s == null) return STOP;
        return switch (s) {
            case "length", "max_tokens" -> LENGTH;
            case "tool_calls", "function_call", "tool_use" -> TOOL_CALLS;
            case "content_filter", "refusal" -> CONTENT_FILTER;
            default -> STOP; // "stop", "end_turn", "stop_sequence", "eos" ...
        };
    }

    public String toWire() {
        return switch (this) {
            case STOP, CANCELLED, ERROR -> "stop";
            case LENGTH -> "length";
            case TOOL_CALLS -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
        };
    }
}
