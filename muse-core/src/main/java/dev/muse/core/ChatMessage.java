package dev.muse.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation. Assistant messages may carry tool calls and the reasoning that preceded them;
 * tool messages answer one tool call by id.
 */
public record ChatMessage(
        Role role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId, String name, String reasoning) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (role == Role.TOOL && (toolCallId == null || toolCallId.isBlank())) {
            throw new IllegalArgumentException("a tool message must name the tool call it answers (toolCallId)");
        }
    }

    public static ChatMessage system(String text) {
        return new ChatMessage(Role.SYSTEM, List.of(new ContentPart.Text(text)), null, null, null, null);
    }

    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, List.of(new ContentPart.Text(text)), null, null, null, null);
    }

    public static ChatMessage user(String text, List<ContentPart.Image> images) {
        List<ContentPart> parts = new ArrayList<>();
        if (text != null && !text.isEmpty()) parts.add(new ContentPart.Text(text));
        parts.addAll(images);
        return new ChatMessage(Role.USER, parts, null, null, null, null);
    }

    public static ChatMessage assistant(String text) {
        return new ChatMessage(Role.ASSISTANT, text == null ? List.of() : List.of(new ContentPart.Text(text)), null, null, null, null);
    }

    public static ChatMessage assistant(String text, List<ToolCall> toolCalls, String reasoning) {
        return new ChatMessage(
                Role.ASSISTANT,
                text == null || text.isEmpty() ? List.of() : List.of(new ContentPart.Text(text)),
                toolCalls,
                null,
                null,
                reasoning);
    }

    public static ChatMessage tool(String toolCallId, String toolName, String result) {
        return new ChatMessage(Role.TOOL, List.of(new ContentPart.Text(result)), null, toolCallId, toolName, null);
    }

    /** All text parts joined; images are skipped. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (ContentPart p : content) {
            if (p instanceof ContentPart.Text t) sb.append(t.text());
        }
        return sb.toString();
    }

    public List<ContentPart.Image> images() {
        List<ContentPart.Image> out = new ArrayList<>();
        for (ContentPart p : content) {
            if (p instanceof ContentPart.Image i) out.add(i);
        }
        return out;
    }

    public boolean hasImages() {
        return content.stream().anyMatch(p -> p instanceof ContentPart.Image);
    }
}
