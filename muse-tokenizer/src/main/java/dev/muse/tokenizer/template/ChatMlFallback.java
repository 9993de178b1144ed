package dev.muse.tokenizer.template;

import dev.muse.core.ChatMessage;
import dev.muse.core.Role;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import java.util.List;
import java.util.Map;

/** The built-in ChatML rendering used when a model's own template is missing or cannot be rendered. */
final class ChatMlFallback {
    private ChatMlFallback() {}

    static String render(List<ChatMessage> messages, List<ToolSpec> tools, ChatTemplate.Options opts) {
        StringBuilder sb = new StringBuilder();
        int start = 0;
        String system = null;
        if (messages.getFirst().role() == Role.SYSTEM) {
            system = messages.getFirst().text();
            start = 1;
        }
        if (!tools.isEmpty()) {
            sb.append("<|im_start|>system\n");
            if (system != null) sb.append(system).append("\n\n");
            sb.append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                    + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
            for (Map<String, Object> t : ChatTemplate.toolMaps(tools)) sb.append('\n').append(PythonJson.dumps(t, null));
            sb.append("\n</tools>\n\nFor each function call, return a json object with function name and arguments "
                    + "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
                    + "\"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n");
        } else if (system != null) {
            sb.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
        }
        for (int i = start; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            switch (m.role()) {
                case SYSTEM, USER -> sb.append("<|im_start|>").append(role(m)).append('\n').append(m.text()).append("<|im_end|>\n");
                case ASSISTANT -> {
                    sb.append("<|im_start|>assistant\n").append(m.text());
                    boolean first = true;
                    for (ToolCall c : m.toolCalls()) {
                        if (!first || !m.text().isEmpty()) sb.append('\n');
                        first = false;
                        sb.append("<tool_call>\n{\"name\": ").append(PythonJson.dumps(c.name(), null))
                                .append(", \"arguments\": ")
                                .append(PythonJson.dumps(ChatTemplate.argumentsObject(c.argumentsJson()), null))
                                .append("}\n</tool_call>");
                    }
                    sb.append("<|im_end|>\n");
                }
                case TOOL -> {
                    boolean firstOfRun = i == start || messages.get(i - 1).role() != Role.TOOL;
                    boolean lastOfRun = i + 1 == messages.size() || messages.get(i + 1).role() != Role.TOOL;
                    if (firstOfRun) sb.append("<|im_start|>user");
                    sb.append("\n<tool_response>\n").append(m.text()).append("\n</tool_response>");
                    if (lastOfRun) sb.append("<|im_end|>\n");
                }
            }
        }
        if (opts.addGenerationPrompt()) {
            sb.append("<|im_start|>assistant\n");
            if (Boolean.FALSE.equals(opts.enableThinking())) sb.append("<think>\n\n</think>\n\n");
        }
        return sb.toString();
    }

    private static String role(ChatMessage m) {
        return m.role() == Role.SYSTEM ? "system" : "user";
    }
}
