package dev.muse.tokenizer.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.muse.core.ChatMessage;
import dev.muse.core.ToolCall;
import dev.muse.core.ToolSpec;
import dev.muse.tokenizer.Tokenizer;
import java.lang.reflect.Method;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template: the Jinja source from GGUF's {@code tokenizer.chat_template} (Hugging Face's format),
 * rendered with Jinjava plus the Python-isms transformers' environment provides ({@code raise_exception},
 * {@code strftime_now}, Python-style {@code tojson}, str methods such as {@code startswith}/{@code lstrip}/
 * {@code split}, {@code [::-1]}), with {@code trim_blocks} and {@code lstrip_blocks} on as transformers sets them.
 *
 * <p><b>Fallback policy.</b> When the model has no template, or its template cannot be rendered by this engine
 * (a Jinja feature Jinjava lacks), the conversation is rendered as ChatML with Hermes-style tools (see
 * {@link #chatMl()}) and {@link Rendered#usedFallback()} is true with the reason in {@link Rendered#warnings()}:
 * never an exception. When the template itself rejects the conversation through {@code raise_exception}, rendering
 * throws {@link ChatTemplateException} with the template's message, because any other prompt would be one the
 * model was not trained on for that conversation.
 */
public final class ChatTemplate {
    private static final System.Logger LOG = System.getLogger(ChatTemplate.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to render: generation prompt, Qwen3's thinking switch, the clock for dates, extra template variables. */
    public record Options(
            boolean addGenerationPrompt, Boolean enableThinking, ZonedDateTime now, Map<String, Object> extraVariables) {
        public Options {
            extraVariables = extraVariables == null ? Map.of() : Map.copyOf(extraVariables);
        }

        /** Generation prompt on, thinking left to the template's default, the current time, no extras. */
        public static Options defaults() {
            return new Options(true, null, null, Map.of());
        }

        public Options withAddGenerationPrompt(boolean on) {
            return new Options(on, enableThinking, now, extraVariables);
        }

        /** Sets {@code enable_thinking} (Qwen3: false renders the empty think block, so the model answers directly). */
        public Options withEnableThinking(boolean on) {
            return new Options(addGenerationPrompt, on, now, extraVariables);
        }

        public Options withNow(ZonedDateTime time) {
            return new Options(addGenerationPrompt, enableThinking, time, extraVariables);
        }

        /** Any other variable a template reads, e.g. {@code date_string} or {@code tools_in_user_message}. */
        public Options withVariable(String name, Object value) {
            Map<String, Object> m = new HashMap<>(extraVariables);
            m.put(name, value);
            return new Options(addGenerationPrompt, enableThinking, now, m);
        }
    }

    /** The rendered prompt text; {@code usedFallback} is true when ChatML was used instead of the model's template. */
    public record Rendered(String prompt, boolean usedFallback, List<String> warnings) {
        public Rendered {
            warnings = List.copyOf(warnings);
        }

        /**
         * Token ids of the prompt: special-token text parsed, and BOS prepended when the tokenizer wants one and the
         * template did not already write it (Llama 3's template starts with {@code bos_token}).
         */
        public int[] tokens(Tokenizer tokenizer) {
            int[] ids = tokenizer.encodeWithSpecialTokens(prompt);
            if (!tokenizer.addBosByDefault() || tokenizer.bosId() < 0 || (ids.length > 0 && ids[0] == tokenizer.bosId())) return ids;
            int[] out = new int[ids.length + 1];
            out[0] = tokenizer.bosId();
            System.arraycopy(ids, 0, out, 1, ids.length);
            return out;
        }
    }

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final String missingReason;
    private final String prepared;

    private ChatTemplate(String source, String bosToken, String eosToken, String missingReason) {
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.missingReason = missingReason;
        this.prepared = source == null ? null : JinjaRewriter.rewrite(source);
    }

    /** The template of a Jinja source as found in a model's tokenizer_config.json or GGUF metadata. */
    public static ChatTemplate of(String jinjaSource, String bosToken, String eosToken) {
        if (jinjaSource == null || jinjaSource.isBlank()) {
            return new ChatTemplate(null, bosToken, eosToken, "the chat template is empty");
        }
        return new ChatTemplate(jinjaSource, bosToken, eosToken, null);
    }

    /**
     * The built-in fallback: ChatML ({@code <|im_start|>role\n…<|im_end|>\n}) with tools listed in the system
     * message and tool calls as Hermes {@code <tool_call>} JSON, tool results as user turns in
     * {@code <tool_response>} tags (Qwen2.5's layout), and {@code enable_thinking=false} as Qwen3's empty think block.
     */
    public static ChatTemplate chatMl() {
        return new ChatTemplate(null, "", "", "using the built-in ChatML template");
    }

    /**
     * The template a GGUF file carries in {@code tokenizer.chat_template}, with {@code bos_token}/{@code eos_token}
     * taken from its vocabulary. Without one, {@link #chatMl()} semantics apply and {@link #isFallback()} is true.
     */
    public static ChatTemplate fromGguf(Map<String, Object> metadata) {
        String bos = tokenText(metadata, "tokenizer.ggml.bos_token_id");
        String eos = tokenText(metadata, "tokenizer.ggml.eos_token_id");
        Object t = metadata.get("tokenizer.chat_template");
        if (!(t instanceof String s) || s.isBlank()) {
            return new ChatTemplate(null, bos, eos, "the model file has no chat template (tokenizer.chat_template)");
        }
        return new ChatTemplate(s, bos, eos, null);
    }

    private static String tokenText(Map<String, Object> md, String key) {
        if (md.get(key) instanceof Number n && md.get("tokenizer.ggml.tokens") instanceof List<?> tokens) {
            long id = n.longValue();
            if (id >= 0 && id < tokens.size() && tokens.get((int) id) instanceof String s) return s;
        }
        return "";
    }

    /** The Jinja source, or null for the built-in ChatML fallback. */
    public String source() {
        return source;
    }

    /** True when this template is the built-in ChatML rendering rather than the model's own. */
    public boolean isFallback() {
        return source == null;
    }

    /** True when the template reads {@code enable_thinking} (Qwen3 and its derivatives). */
    public boolean supportsThinkingSwitch() {
        return source == null || source.contains("enable_thinking");
    }

    /** The tool-call format the template teaches the model, for parsing its replies. */
    public ToolCallParser toolCallParser() {
        return ToolCallParser.forTemplate(this);
    }

    public Rendered render(List<ChatMessage> messages) {
        return render(messages, List.of(), Options.defaults());
    }

    public Rendered render(List<ChatMessage> messages, List<ToolSpec> tools, Options options) {
        if (messages == null || messages.isEmpty()) throw new IllegalArgumentException("a chat needs at least one message");
        List<ToolSpec> toolList = tools == null ? List.of() : tools;
        Options opts = options == null ? Options.defaults() : options;
        if (source == null) {
            return new Rendered(ChatMlFallback.render(messages, toolList, opts), true, List.of(missingReason));
        }
        Map<String, Object> vars = new HashMap<>(opts.extraVariables());
        vars.put("messages", messageMaps(messages));
        if (!toolList.isEmpty()) vars.put("tools", toolMaps(toolList));
        vars.put("add_generation_prompt", opts.addGenerationPrompt());
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (opts.enableThinking() != null) vars.put("enable_thinking", opts.enableThinking());
        RenderResult result;
        TemplateFunctions.RAISED.remove();
        TemplateFunctions.NOW.set(opts.now());
        try {
            result = Engine.JINJAVA.renderForResult(prepared, vars);
            String raised = TemplateFunctions.RAISED.get();
            if (raised != null) throw new ChatTemplateException("the model's chat template rejected the conversation: " + raised);
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            return fallback(messages, toolList, opts, "the chat template failed to render: " + e.getMessage());
        } finally {
            TemplateFunctions.RAISED.remove();
            TemplateFunctions.NOW.remove();
        }
        List<String> fatal = new ArrayList<>();
        for (TemplateError err : result.getErrors()) {
            if (err.getSeverity() == TemplateError.ErrorType.FATAL) {
                fatal.add("line " + err.getLineno() + ": " + err.getMessage());
            }
        }
        if (!fatal.isEmpty()) {
            return fallback(messages, toolList, opts, "the chat template failed to render (" + String.join("; ", fatal) + ")");
        }
        return new Rendered(result.getOutput(), false, List.of());
    }

    private Rendered fallback(List<ChatMessage> messages, List<ToolSpec> tools, Options opts, String reason) {
        LOG.log(System.Logger.Level.WARNING, "{0}; using the built-in ChatML template instead", reason);
        return new Rendered(ChatMlFallback.render(messages, tools, opts), true, List.of(reason + "; used ChatML instead"));
    }

    /** Messages as transformers passes them: absent fields are absent keys, tool-call arguments are objects. */
    static List<Map<String, Object>> messageMaps(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role().name().toLowerCase(Locale.ROOT));
            map.put("content", m.text());
            if (!m.toolCalls().isEmpty()) {
                List<Map<String, Object>> calls = new ArrayList<>();
                for (ToolCall c : m.toolCalls()) {
                    Map<String, Object> fn = new LinkedHashMap<>();
                    fn.put("name", c.name());
                    fn.put("arguments", argumentsObject(c.argumentsJson()));
                    Map<String, Object> call = new LinkedHashMap<>();
                    call.put("id", c.id());
                    call.put("type", "function");
                    call.put("function", fn);
                    calls.add(call);
                }
                map.put("tool_calls", calls);
            }
            if (m.toolCallId() != null) map.put("tool_call_id", m.toolCallId());
            if (m.name() != null) map.put("name", m.name());
            if (m.reasoning() != null && !m.reasoning().isEmpty()) map.put("reasoning_content", m.reasoning());
            out.add(map);
        }
        return out;
    }

    /** Parsed JSON arguments (insertion-ordered), or the raw text when the model produced malformed JSON. */
    static Object argumentsObject(String json) {
        try {
            return JSON.readValue(json, LinkedHashMap.class);
        } catch (JsonProcessingException e) {
            return json;
        }
    }

    /** Tools in OpenAI's function format, the shape HF templates iterate over. */
    static List<Map<String, Object>> toolMaps(List<ToolSpec> tools) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ToolSpec t : tools) {
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", t.name());
            fn.put("description", t.description());
            fn.put("parameters", t.parametersSchema());
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", fn);
            out.add(tool);
        }
        return out;
    }

    /** One configured Jinjava for all templates (it is thread-safe; building it costs class loading). */
    private static final class Engine {
        static final Jinjava JINJAVA = newJinjava();
    }

    private static Jinjava newJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withMaxOutputSize(50_000_000)
                // Jinjava's default silently stops range() at 1000; templates may loop over long conversations
                .withRangeLimit(1_000_000)
                // Jinja2's semantics rather than Jinjava's historical ones: {{- -}} trims, Python operator
                // precedence (a + b | trim), dict keys are expressions, iterating a dict gives keys, None in lists
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        Jinjava j = new Jinjava(config);
        var ctx = j.getGlobalContext();
        ctx.registerFunction(function("raise_exception", "raiseException", Object.class));
        ctx.registerFunction(function("strftime_now", "strftimeNow", String.class));
        ctx.registerFilter(new ToJson());
        ctx.registerExpTest(new PythonIterable());
        ctx.registerFilter(new PythonString());
        ctx.registerFilter(new Items());
        return j;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?> param) {
        try {
            Method m = TemplateFunctions.class.getMethod(method, param);
            m.setAccessible(true); // the class is package-private; Jinjava calls it reflectively
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Jinja2's {@code iterable} test: strings and mappings are iterable too (Jinjava says no for strings). */
    private static final class PythonIterable implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }

    /** {@code x|string} as Python's str(): dicts and lists print as Python literals, not Java's toString. */
    private static final class PythonString implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.repr(var, true);
        }
    }

    /** {@code dict|items}: the (key, value) pairs, for {@code {% for k, v in d|items %}}. */
    private static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (!(var instanceof Map<?, ?> m)) return List.of();
            return new ArrayList<>(m.entrySet());
        }
    }

    /** transformers' {@code tojson}: Python json.dumps with ensure_ascii=False and optional indent. */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            Integer indent = args.length > 0 && args[0] != null ? Integer.valueOf(args[0].trim()) : null;
            return PythonJson.dumps(var, indent);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            return PythonJson.dumps(var, indent instanceof Number n ? n.intValue() : indent == null ? null : Integer.valueOf(indent.toString()));
        }
    }
}
