package dev.muse.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.core.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
    private final ToolCallParser hermes = new ToolCallParser(ToolCallParser.Format.HERMES);
    private final ToolCallParser llama = new ToolCallParser(ToolCallParser.Format.LLAMA3_JSON);

    @Test
    void should_parse_several_hermes_tool_calls_and_keep_the_text_around_them() {
        String reply = "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                + "</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"days\": 2}}\n</tool_call>";
        var p = hermes.parse(reply);
        assertThat(p.content()).isEqualTo("Let me check both.");
        assertThat(p.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "get_weather");
        assertThat(p.toolCalls()).extracting(ToolCall::argumentsJson)
                .containsExactly("{\"city\":\"Paris\"}", "{\"city\":\"Rome\",\"days\":2}");
        assertThat(p.toolCalls()).extracting(ToolCall::id).doesNotHaveDuplicates().allMatch(id -> id.startsWith("call_"));
    }

    @Test
    void should_leave_a_reply_without_tool_calls_untouched() {
        var p = hermes.parse("  The answer is 42.\n");
        assertThat(p.content()).isEqualTo("The answer is 42.");
        assertThat(p.hasToolCalls()).isFalse();
    }

    @Test
    void should_accept_arguments_given_as_a_json_string() {
        var p = hermes.parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"x\\\": 1}\"}</tool_call>");
        assertThat(p.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("f");
            assertThat(c.argumentsJson()).isEqualTo("{\"x\": 1}");
        });
        assertThat(p.content()).isEmpty();
    }

    @Test
    void should_keep_the_name_and_raw_arguments_of_malformed_json_for_the_tool_runtime_to_report() {
        var p = hermes.parse("<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"unterminated}\n</tool_call>");
        assertThat(p.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("search");
            assertThat(c.argumentsJson()).startsWith("{\"q\": \"unterminated");
        });
    }

    @Test
    void should_accept_an_unclosed_final_hermes_block_when_generation_stopped_at_the_end_tag() {
        var p = hermes.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n");
        assertThat(p.toolCalls()).extracting(ToolCall::name).containsExactly("f");
    }

    @Test
    void should_leave_a_block_without_a_name_in_the_text() {
        var p = hermes.parse("<tool_call>not json at all</tool_call>");
        assertThat(p.hasToolCalls()).isFalse();
        assertThat(p.content()).isEqualTo("<tool_call>not json at all</tool_call>");
    }

    @Test
    void should_parse_a_llama3_json_call_with_parameters() {
        var p = llama.parse("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
        assertThat(p.content()).isEmpty();
        assertThat(p.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("get_weather");
            assertThat(c.argumentsJson()).isEqualTo("{\"city\":\"Paris\"}");
        });
    }

    @Test
    void should_parse_llama3_calls_after_the_python_tag_and_several_separated_by_semicolons() {
        var p = llama.parse("<|python_tag|>{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"arguments\": {}}");
        assertThat(p.toolCalls()).extracting(ToolCall::name).containsExactly("a", "b");
        assertThat(p.toolCalls()).extracting(ToolCall::argumentsJson).containsExactly("{\"x\":1}", "{}");
    }

    @Test
    void should_treat_llama3_prose_or_a_json_answer_without_a_name_as_text() {
        assertThat(llama.parse("Paris is sunny today.").hasToolCalls()).isFalse();
        var json = llama.parse("{\"temperature\": 22}");
        assertThat(json.hasToolCalls()).isFalse();
        assertThat(json.content()).isEqualTo("{\"temperature\": 22}");
        var mixed = llama.parse("{\"name\": \"f\", \"parameters\": {}} and then some prose");
        assertThat(mixed.hasToolCalls()).isFalse();
        assertThat(llama.parse("{\"name\": \"f\", \"parameters\": {").hasToolCalls()).isFalse();
    }

    @Test
    void should_pick_the_format_from_the_template() {
        assertThat(ChatTemplateTest.LLAMA31.toolCallParser().format()).isEqualTo(ToolCallParser.Format.LLAMA3_JSON);
        assertThat(ChatTemplateTest.QWEN25.toolCallParser().format()).isEqualTo(ToolCallParser.Format.HERMES);
        assertThat(ChatTemplate.chatMl().toolCallParser().format()).isEqualTo(ToolCallParser.Format.HERMES);
    }

    @Test
    void should_round_trip_a_rendered_qwen_tool_call_through_the_parser() {
        var call = new ToolCall("c", "get_weather", "{\"city\":\"Paris\"}");
        var msgs = List.of(dev.muse.core.ChatMessage.user("w?"), dev.muse.core.ChatMessage.assistant("", List.of(call), null));
        String prompt = ChatTemplateTest.renderOwn(ChatTemplateTest.QWEN25, msgs, List.of(ChatTemplateTest.weatherTool()),
                ChatTemplate.Options.defaults().withAddGenerationPrompt(false));
        String assistantTurn = prompt.substring(prompt.lastIndexOf("<|im_start|>assistant\n") + "<|im_start|>assistant\n".length(),
                prompt.lastIndexOf("<|im_end|>"));
        var parsed = hermes.parse(assistantTurn);
        assertThat(parsed.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("get_weather");
            assertThat(c.argumentsJson()).isEqualTo(call.argumentsJson());
        });
    }
}
