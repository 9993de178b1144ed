package dev.muse.core;

import java.util.List;

/** What a {@link ChatModel} returned: one choice per sample, the usage of the whole call, and its latency. */
public record ChatResponse(List<Choice> choices, Usage usage, String model, long latencyMillis) {
    public ChatResponse {
        if (choices == null || choices.isEmpty()) throw new IllegalArgumentException("a response has at least one choice");
        choices = List.copyOf(choices);
        usage = usage == null ? Usage.ZERO : usage;
    }

    public Choice first() {
        return choices.getFirst();
    }

    /** The first choice's answer text. */
    public String text() {
        return first().text();
    }
}
