package dev.muse.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.core.ChatMessage;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Renders the structure of the public Llama 3.1/3.2, Qwen2.5 and Qwen3 templates (kept in test resources) and
 * compares with the prompts transformers' apply_chat_template produces for the same conversations.
 */
class ChatTemplateTest {

    static String resource(String name) {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static final ChatTemplate LLAMA31 = ChatTemplate.of(resource("llama3.1.jinja"), "<|begin_of_text|>", "<|eot_id|>");
    static final ChatTemplate LLAMA32 = ChatTemplate.of(resource("llama3.2.jinja"), "<|begin_of_text|>", "<|eot_id|>");
    static final ChatTemplate QWEN25 = ChatTemplate.of(resource("qwen2.5.jinja"), "", "<|im_end|>");
    static final ChatTemplate LLAMA2 = ChatTemplate.of(resource("llama2.jinja"), "<s>", "</s>");
    static final ChatTemplate TINYLLAMA = ChatTemplate.of(resource("tinyllama.jinja"), "<s>", "</s>");
    static final ChatTemplate QWEN3 = ChatTemplate.of(resource("qwen3.jinja"), "", "<|im_end|>");

    static ToolSpec weatherTool() {
        Map<String, Object> city = new LinkedHashMap<>();
        city.put("type", "string");
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("city", city);
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", props);
        schema.put("required", List.of("city"));
        return new ToolSpec("get_weather", "Get the weather", schema);
    }

    static final String WEATHER_JSON = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            + "\"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\", \"properties\": "
            + "{\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}";

    static List<ChatMessage> toolConversation() {
        return List.of(
                ChatMessage.user("What's the weather in Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_weather", "{\"city\": \"Paris\"}")), null),
                ChatMessage.tool("call_1", "get_weather", "22C"));
    }

    /** Renders with a real template and fails if the fallback was used instead. */
    static String renderOwn(ChatTemplate t, List<ChatMessage> msgs, List<ToolSpec> tools, ChatTemplate.Options opts) {
        var r = t.render(msgs, tools, opts);
        assertThat(r.usedFallback()).as(String.join(";", r.warnings())).isFalse();
        assertThat(r.warnings()).isEmpty();
        return r.prompt();
    }

    static String renderOwn(ChatTemplate t, List<ChatMessage> msgs) {
        return renderOwn(t, msgs, List.of(), ChatTemplate.Options.defaults());
    }

    @Test
    void should_render_qwen25_with_its_default_system_prompt() {
        var r = QWEN25.render(List.of(ChatMessage.user("Hi")));
        assertThat(r.usedFallback()).isFalse();
        assertThat(r.prompt()).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                + "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void should_render_qwen25_tools_tool_calls_and_tool_responses() {
        var r = QWEN25.render(toolConversation(), List.of(weatherTool()), ChatTemplate.Options.defaults());
        assertThat(r.usedFallback()).as(String.join(";", r.warnings())).isFalse();
        assertThat(r.prompt()).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                + "assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + WEATHER_JSON
                + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
                + "<args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWhat's the weather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                + "</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n22C\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void should_group_consecutive_tool_results_into_one_user_turn_for_qwen() {
        List<ChatMessage> msgs = List.of(
                ChatMessage.system("Be brief."),
                ChatMessage.user("Paris and Rome?"),
                ChatMessage.assistant("Checking.", List.of(
                        new ToolCall("a", "get_weather", "{\"city\": \"Paris\"}"),
                        new ToolCall("b", "get_weather", "{\"city\": \"Rome\"}")), null),
                ChatMessage.tool("a", "get_weather", "22C"),
                ChatMessage.tool("b", "get_weather", "25C"));
        String p = renderOwn(QWEN25, msgs, List.of(weatherTool()), ChatTemplate.Options.defaults());
        assertThat(p).startsWith("<|im_start|>system\nBe brief.\n\n# Tools");
        assertThat(p).contains("<|im_start|>assistant\nChecking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Rome\"}}\n</tool_call><|im_end|>\n");
        assertThat(p).endsWith("<|im_start|>user\n<tool_response>\n22C\n</tool_response>\n<tool_response>\n25C\n"
                + "</tool_response><|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void should_render_qwen3_empty_think_block_when_thinking_is_off() {
        String off = renderOwn(QWEN3, List.of(ChatMessage.user("Hi")), List.of(), ChatTemplate.Options.defaults().withEnableThinking(false));
        assertThat(off).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        String on = renderOwn(QWEN3, List.of(ChatMessage.user("Hi")), List.of(), ChatTemplate.Options.defaults().withEnableThinking(true));
        assertThat(on).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(renderOwn(QWEN3, List.of(ChatMessage.user("Hi")))).isEqualTo(on);
        assertThat(QWEN3.supportsThinkingSwitch()).isTrue();
        assertThat(QWEN25.supportsThinkingSwitch()).isFalse();
    }

    @Test
    void should_drop_earlier_reasoning_from_qwen3_history() {
        List<ChatMessage> msgs = List.of(
                ChatMessage.user("2+2?"),
                ChatMessage.assistant("<think>\nadd them\n</think>\n\n4"),
                ChatMessage.user("times 3?"));
        assertThat(renderOwn(QWEN3, msgs)).isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n4<|im_end|>\n"
                + "<|im_start|>user\ntimes 3?<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void should_keep_reasoning_of_the_current_qwen3_tool_turn() {
        List<ChatMessage> msgs = List.of(
                ChatMessage.system("Use tools."),
                ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("c", "get_weather", "{\"city\": \"Paris\"}")), "I need the tool."),
                ChatMessage.tool("c", "get_weather", "22C"));
        String p = renderOwn(QWEN3, msgs, List.of(weatherTool()), ChatTemplate.Options.defaults());
        assertThat(p).startsWith("<|im_start|>system\nUse tools.\n\n# Tools\n\n");
        assertThat(p).contains("\n<tools>\n" + WEATHER_JSON + "\n</tools>");
        assertThat(p).endsWith("<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nI need the tool.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", "
                + "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n22C\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void should_render_llama31_with_bos_header_and_default_date() {
        var r = LLAMA31.render(List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Hi")));
        assertThat(r.usedFallback()).as(String.join(";", r.warnings())).isFalse();
        assertThat(r.prompt()).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void should_render_llama32_date_from_strftime_now() {
        var opts = ChatTemplate.Options.defaults().withNow(ZonedDateTime.of(2026, 11, 5, 10, 0, 0, 0, ZoneOffset.UTC));
        String p = renderOwn(LLAMA32, List.of(ChatMessage.user("Hi")), List.of(), opts);
        assertThat(p).contains("Today Date: 05 Nov 2026\n\n");
        assertThat(p).endsWith("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        var fixed = opts.withVariable("date_string", "01 Jan 2025");
        assertThat(renderOwn(LLAMA32, List.of(ChatMessage.user("Hi")), List.of(), fixed)).contains("Today Date: 01 Jan 2025\n");
    }

    @Test
    void should_render_llama31_tools_in_the_first_user_message_and_json_tool_calls() {
        var r = LLAMA31.render(toolConversation(), List.of(weatherTool()), ChatTemplate.Options.defaults());
        assertThat(r.usedFallback()).as(String.join(";", r.warnings())).isFalse();
        String indented = "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n"
                + "        \"description\": \"Get the weather\",\n        \"parameters\": {\n            \"type\": \"object\",\n"
                + "            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\"\n"
                + "                }\n            },\n            \"required\": [\n                \"city\"\n            ]\n"
                + "        }\n    }\n}";
        assertThat(r.prompt()).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\n"
                + "Given the following functions, please respond with a JSON for a function call with its proper arguments "
                + "that best answers the given prompt.\n\n"
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its "
                + "value}.Do not use variables.\n\n"
                + indented + "\n\n"
                + "What's the weather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": "
                + "{\"city\": \"Paris\"}}<|eot_id|>"
                // a string result is iterable in Jinja, so the real template JSON-quotes it
                + "<|start_header_id|>ipython<|end_header_id|>\n\n\"22C\"<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void should_surface_the_templates_own_exception_instead_of_falling_back() {
        List<ChatMessage> twoCalls = List.of(
                ChatMessage.user("x"),
                ChatMessage.assistant("", List.of(new ToolCall("a", "f", "{}"), new ToolCall("b", "f", "{}")), null));
        assertThatThrownBy(() -> LLAMA31.render(twoCalls, List.of(weatherTool()), ChatTemplate.Options.defaults()))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("This model only supports single tool-calls at once!");
    }

    @Test
    void should_fall_back_to_chatml_with_a_warning_when_the_template_cannot_be_rendered() {
        ChatTemplate broken = ChatTemplate.of("{% for m in messages %}{{ m.content | no_such_filter }}{% endfor", "", "");
        var r = broken.render(List.of(ChatMessage.user("Hi")));
        assertThat(r.usedFallback()).isTrue();
        assertThat(r.warnings()).singleElement().asString().contains("failed to render");
        assertThat(r.prompt()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void should_fall_back_to_chatml_when_the_gguf_has_no_template() {
        ChatTemplate t = ChatTemplate.fromGguf(Map.of("tokenizer.ggml.model", "gpt2"));
        assertThat(t.isFallback()).isTrue();
        var r = t.render(List.of(ChatMessage.system("S"), ChatMessage.user("Hi")), List.of(),
                ChatTemplate.Options.defaults().withEnableThinking(false));
        assertThat(r.usedFallback()).isTrue();
        assertThat(r.warnings()).singleElement().asString().contains("no chat template");
        assertThat(r.prompt()).isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void should_render_the_chatml_fallback_with_tools_exactly_like_qwen25_apart_from_the_default_system_prompt() {
        List<ChatMessage> msgs = new java.util.ArrayList<>(toolConversation());
        msgs.addFirst(ChatMessage.system("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."));
        String fallback = ChatTemplate.chatMl().render(msgs, List.of(weatherTool()), ChatTemplate.Options.defaults()).prompt();
        String qwen = renderOwn(QWEN25, msgs, List.of(weatherTool()), ChatTemplate.Options.defaults());
        assertThat(fallback).isEqualTo(qwen);
    }

    @Test
    void should_read_the_template_and_bos_eos_text_from_gguf_metadata() {
        Map<String, Object> md = Map.of(
                "tokenizer.chat_template", resource("llama3.1.jinja"),
                "tokenizer.ggml.tokens", List.of("a", "<|begin_of_text|>", "<|eot_id|>"),
                "tokenizer.ggml.bos_token_id", 1L,
                "tokenizer.ggml.eos_token_id", 2L);
        ChatTemplate t = ChatTemplate.fromGguf(md);
        assertThat(t.isFallback()).isFalse();
        assertThat(renderOwn(t, List.of(ChatMessage.user("Hi")))).startsWith("<|begin_of_text|><|start_header_id|>");
        assertThat(t.toolCallParser().format()).isEqualTo(ToolCallParser.Format.LLAMA3_JSON);
        assertThat(QWEN3.toolCallParser().format()).isEqualTo(ToolCallParser.Format.HERMES);
    }

    @Test
    void should_support_python_string_methods_that_hf_templates_call() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].content.split('/') | join(',') }}|{{ 'a.b.'.split('.') | length }}"
                + "|{{ '  x '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|"
                + "{{ 'abc'.startswith(('z', 'a')) }}|{{ 'hello world'.title() }}|{{ 'a b  c'.split() | length }}|"
                + "{{ {'k': 1}.keys() | list | first }}|{{ {'k': 1}.get('z', 'dflt') }}|{{ 'a-b-c'.replace('-', '+', 1) }}",
                "", "");
        var r = t.render(List.of(ChatMessage.user("p/q/r")), List.of(), ChatTemplate.Options.defaults());
        assertThat(r.usedFallback()).as(String.join(";", r.warnings())).isFalse();
        assertThat(r.prompt()).isEqualTo("p,q,r|3|x|a|ABab|true|Hello World|3|k|dflt|a+b-c");
    }

    @Test
    void should_render_tojson_like_python_json_dumps() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].tool_calls[0].function.arguments | tojson }}", "", "");
        var msg = ChatMessage.assistant("", List.of(new ToolCall("a", "f",
                "{\"q\": \"Zürich \\\"quoted\\\"\\n\", \"n\": 3, \"x\": 1.5, \"ok\": true, \"none\": null, \"l\": [1, 2]}")), null);
        assertThat(renderOwn(t, List.of(msg)))
                .isEqualTo("{\"q\": \"Zürich \\\"quoted\\\"\\n\", \"n\": 3, \"x\": 1.5, \"ok\": true, \"none\": null, \"l\": [1, 2]}");
    }

    @Test
    void should_render_llama2_with_the_system_prompt_folded_into_the_first_instruction() {
        List<ChatMessage> msgs = List.of(ChatMessage.system("Be nice."), ChatMessage.user(" Hi "),
                ChatMessage.assistant("Hello!"), ChatMessage.user("Bye"));
        assertThat(renderOwn(LLAMA2, msgs)).isEqualTo(
                // strip() applies to the combined text, so the user's leading space survives, as in Python
                "<s>[INST] <<SYS>>\nBe nice.\n<</SYS>>\n\n Hi [/INST] Hello! </s><s>[INST] Bye [/INST]");
    }

    @Test
    void should_raise_the_llama2_role_alternation_error() {
        assertThatThrownBy(() -> LLAMA2.render(List.of(ChatMessage.user("a"), ChatMessage.user("b"))))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void should_keep_newlines_after_expressions_but_trim_them_after_blocks_like_transformers() {
        assertThat(renderOwn(TINYLLAMA, List.of(ChatMessage.system("Be nice."), ChatMessage.user("Hi"))))
                .isEqualTo("<|system|>\nBe nice.</s>\n<|user|>\nHi</s>\n<|assistant|>\n");
    }

    @Test
    void should_put_llama31_tools_in_the_system_message_when_asked() {
        var opts = ChatTemplate.Options.defaults().withVariable("tools_in_user_message", false);
        String p = renderOwn(LLAMA31, List.of(ChatMessage.system("Sys."), ChatMessage.user("Weather?")), List.of(weatherTool()), opts);
        assertThat(p).startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You have access to the following functions. To call a function, please respond with JSON for a function call."
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}."
                + "Do not use variables.\n\n{\n    \"type\": \"function\",");
        assertThat(p).endsWith("}\n\nSys.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void should_support_loop_previtem_nextitem_items_and_python_str_of_dicts() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{{ loop.previtem.role if loop.previtem else '-' }}>{{ m.role }}>"
                + "{{ loop.nextitem.role if loop.nextitem is not none else '-' }};{% endfor %}"
                + "{% for k, v in {'a': 1, 'b': 'x'} | items %}{{ k }}={{ v }},{% endfor %}"
                + "{{ {'a': 1, 'b': [true, none, 'q']} | string }}", "", "");
        assertThat(renderOwn(t, List.of(ChatMessage.user("u"), ChatMessage.assistant("a"))))
                .isEqualTo("->user>assistant;user>assistant>-;a=1,b=x,{'a': 1, 'b': [True, None, 'q']}");
    }
}
