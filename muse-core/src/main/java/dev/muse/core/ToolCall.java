package dev.muse.core;

import java.util.Objects;

/**
 * A model's request to call a tool. {@code argumentsJson} is the JSON object text exactly as the model produced
 * it (it may be malformed: the tool runtime reports that back to the model).
 */
public record ToolCall(String id, String name, String argumentsJson) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        if (argumentsJson == null || argumentsJson.isBlank()) argumentsJson = "{}";
    }
}
