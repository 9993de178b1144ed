package dev.muse.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import java.util.List;

/**
 * OpenAI's response shapes as records (snake_case on the wire). Fields OpenAI always sends, even as null, are
 * marked ALWAYS so strict clients find them.
 */
final class Wire {
    private Wire() {}

    record ChatCompletion(String id, String object, long created, String model, List<Choice> choices, UsageDto usage,
            String systemFingerprint, JsonNode muse) {}

    record Choice(int index, Message message, @JsonInclude(JsonInclude.Include.ALWAYS) Object logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {}

    record Message(String role, @JsonInclude(JsonInclude.Include.ALWAYS) String content, String reasoningContent,
            List<ToolCallDto> toolCalls, @JsonInclude(JsonInclude.Include.ALWAYS) String refusal) {}

    record ToolCallDto(Integer index, String id, String type, FunctionDto function) {
        static ToolCallDto of(ToolCall c, Integer index) {
            return new ToolCallDto(index, c.id(), "function", new FunctionDto(c.name(), c.argumentsJson()));
        }
    }

    record FunctionDto(String name, String arguments) {}

    record UsageDto(long promptTokens, long completionTokens, long totalTokens, CompletionDetails completionTokensDetails) {
        static UsageDto of(Usage u) {
            return new UsageDto(u.inputTokens(), u.outputTokens(), u.inputTokens() + u.outputTokens(),
                    new CompletionDetails(u.reasoningTokens()));
        }
    }

    record CompletionDetails(long reasoningTokens) {}

    record Chunk(String id, String object, long created, String model, List<ChunkChoice> choices, UsageDto usage,
            JsonNode muse) {}

    record ChunkChoice(int index, Delta delta, @JsonInclude(JsonInclude.Include.ALWAYS) Object logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {}

    record Delta(String role, String content, String reasoningContent, List<ToolCallDto> toolCalls) {
        static final Delta EMPTY = new Delta(null, null, null, null);
    }

    record ModelList(String object, List<ModelDto> data) {}

    record ModelDto(String id, String object, long created, String ownedBy) {}

    record ErrorBody(ErrorDto error) {}

    record ErrorDto(String message, String type, @JsonInclude(JsonInclude.Include.ALWAYS) String param,
            @JsonInclude(JsonInclude.Include.ALWAYS) String code) {}
}
