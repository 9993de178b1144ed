package dev.muse.core;

import java.util.Map;
import java.util.Objects;

/**
 * What a model sees of a tool: its name, what it does, and a JSON schema of its arguments as a JSON-like tree
 * (maps, lists, strings, numbers, booleans).
 */
public record ToolSpec(String name, String description, Map<String, Object> parametersSchema) {
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException(
                    "tool name must be 1-64 letters, digits, '_' or '-' (as OpenAI and Anthropic require): " + name);
        }
        description = description == null ? "" : description;
        parametersSchema = parametersSchema == null ? Map.of("type", "object", "properties", Map.of()) : parametersSchema;
    }
}
