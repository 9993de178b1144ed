package dev.muse.engine;

import dev.muse.core.Capabilities;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ChatResponse;
import dev.muse.core.Choice;
import dev.muse.core.FinishReason;
import dev.muse.core.ModelException;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import dev.muse.core.ThinkTags;
import dev.muse.core.ToolCall;
import dev.muse.core.Usage;
import dev.muse.engine.sampling.SamplerOptions;
import dev.muse.tokenizer.StreamingDecoder;
import dev.muse.tokenizer.Tokenizer;
import dev.muse.tokenizer.template.ChatTemplate;
import dev.muse.tokenizer.template.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The embedded engine as a {@link ChatModel}: the model's chat template renders the conversation, the prompt is
 * prefilled once, and {@code n} samples decode together from copies of its KV cache. Text streams as it becomes
 * whole UTF-8; {@code <think>} reasoning is split out with {@link ThinkTags}; stop sequences are held back until
 * they can be ruled out; tool calls are parsed in the format the template teaches.
 *
 * <p>Defaults when the request leaves them unset are llama.cpp's: temperature 0.8, top-k 40, top-p 0.95, min-p
 * 0.05; {@code extra} may carry {@code top_k}, {@code min_p}, {@code repeat_penalty}, {@code presence_penalty},
 * {@code frequency_penalty}. Without a seed each call draws a fresh one. A reasoning budget
 * ({@code Reasoning.budgetTokens}) is enforced by forcing {@code </think>} once the think block has used it up.
 */
public final class LocalChatModel implements ChatModel {
    private final LocalModel model;
    private final boolean ownsModel;

    /** A chat view of {@code model}; closing it leaves the model open (the caller owns it). */
    public LocalChatModel(LocalModel model) {
        this(model, false);
    }

    /** @param ownsModel true when {@link #close()} should close {@code model} too */
    public LocalChatModel(LocalModel model, boolean ownsModel) {
        this.model = model;
        this.ownsModel = ownsModel;
        model.requireTokenizer();
    }

    public LocalModel localModel() {
        return model;
    }

    @Override
    public void close() {
        if (ownsModel) model.close();
    }

    @Override
    public String name() {
        return model.name();
    }

    @Override
    public Capabilities capabilities() {
        ChatTemplate t = model.chatTemplate();
        boolean thinks = t != null && t.source() != null && t.source().contains("<think>");
        return new Capabilities(thinks, thinks, true, false, true);
    }

    @Override
    public ChatResponse generate(ChatRequest request, StreamListener listener) {
        long started = System.nanoTime();
        StreamListener out = listener == null ? StreamListener.NONE : listener;
        request.cancellation().throwIfCancelled(name());
        if (request.messages().stream().anyMatch(m -> m.hasImages())) {
            throw new ModelException(name(), ModelException.Kind.UNSUPPORTED, "the embedded engine does not read images; "
                    + "remove them or use a backend with vision", null);
        }
        Tokenizer tok = model.tokenizer();
        ChatTemplate template = model.chatTemplate();
        ChatTemplate.Options opts = ChatTemplate.Options.defaults();
        if (request.reasoning().enabled() != null && template.supportsThinkingSwitch()) {
            opts = opts.withEnableThinking(request.reasoning().enabled());
        }
        ChatTemplate.Rendered rendered;
        try {
            rendered = template.render(request.messages(), request.tools(), opts);
        } catch (RuntimeException e) {
            throw new ModelException(name(), ModelException.Kind.BAD_REQUEST, "cannot render the chat template: " + e.getMessage(), e);
        }
        int[] prompt = rendered.tokens(tok);
        int ctx = model.contextLength();
        if (prompt.length >= ctx) {
            throw new ModelException(name(), ModelException.Kind.BAD_REQUEST, "the prompt has " + prompt.length
                    + " tokens but the context holds " + ctx + "; shorten the conversation or raise the context length "
                    + "(-Dmuse.engine.context, up to the model's " + model.config().contextLength() + ")", null);
        }
        boolean startInReasoning = rendered.prompt().stripTrailing().endsWith(ThinkTags.OPEN);
        int maxTokens = request.maxTokens() == null ? ctx - prompt.length : request.maxTokens();
        GenerateOptions options = new GenerateOptions(maxTokens, samplerOptions(request), true, false);

        int n = request.n();
        SampleText[] samples = new SampleText[n];
        for (int i = 0; i < n; i++) samples[i] = new SampleText(i, tok.newStreamingDecoder(), request.stop(), startInReasoning, out);
        List<Generation> gens;
        try {
            Integer budget = request.reasoning().budgetTokens();
            int[] closing = budget == null ? null : tok.encode("\n" + ThinkTags.CLOSE + "\n\n");
            gens = model.generate(prompt, n, options, new TokenSink() {
                @Override
                public boolean accept(int s, int token) {
                    if (request.cancellation().isCancelled()) return false;
                    return samples[s].accept(token);
                }

                @Override
                public int[] forcedAfter(int s) {
                    return samples[s].forceCloseThinking(budget, closing);
                }

                @Override
                public void batch(int sequences, int sharedPrefix) {
                    if (sequences < 2) return;
                    out.on(new StreamEvent.Notice(null, "decoding in a batch of " + sequences
                            + (sharedPrefix > 0 ? " (shared prefix " + sharedPrefix + " tokens)" : "")));
                }
            });
        } catch (IllegalArgumentException e) {
            throw new ModelException(name(), ModelException.Kind.BAD_REQUEST, e.getMessage(), e);
        }
        request.cancellation().throwIfCancelled(name());

        ToolCallParser parser = template.toolCallParser();
        List<Choice> choices = new ArrayList<>(n);
        long output = 0;
        long reasoningTokens = 0;
        for (int i = 0; i < n; i++) {
            SampleText s = samples[i];
            s.finish();
            Generation g = gens.get(i);
            output += g.tokens().length;
            reasoningTokens += s.reasoningTokens;
            String answer = s.think.answer();
            List<ToolCall> calls = List.of();
            if (!request.tools().isEmpty()) {
                ToolCallParser.Parsed parsed = parser.parse(answer);
                if (parsed.hasToolCalls()) {
                    calls = parsed.toolCalls();
                    answer = parsed.content();
                    for (ToolCall c : calls) out.on(new StreamEvent.ToolCallRequested(null, i, c));
                }
            }
            if (calls.isEmpty()) s.releaseMuted();
            FinishReason reason = !calls.isEmpty() ? FinishReason.TOOL_CALLS : switch (g.stopReason()) {
                case EOS, STOPPED_BY_CALLER -> FinishReason.STOP;
                case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            };
            choices.add(new Choice(i, answer, s.think.reasoning(), calls, reason));
        }
        Usage usage = Usage.of(prompt.length, output, reasoningTokens, false);
        out.on(new StreamEvent.UsageReport(null, usage));
        return new ChatResponse(choices, usage, name(), (System.nanoTime() - started) / 1_000_000);
    }

    static SamplerOptions samplerOptions(ChatRequest r) {
        Map<String, Object> x = r.extra();
        float temperature = r.temperature() == null ? 0.8f : r.temperature().floatValue();
        float topP = r.topP() == null ? 0.95f : r.topP().floatValue();
        int topK = number(x, "top_k", 40).intValue();
        float minP = number(x, "min_p", 0.05).floatValue();
        float repeat = number(x, "repeat_penalty", number(x, "repetition_penalty", 1.0)).floatValue();
        float presence = number(x, "presence_penalty", 0.0).floatValue();
        float frequency = number(x, "frequency_penalty", 0.0).floatValue();
        long seed = r.seed() != null ? r.seed() : System.nanoTime();
        try {
            return new SamplerOptions(temperature, topK, topP, minP, repeat, presence, frequency, 64, seed);
        } catch (IllegalArgumentException e) {
            throw new ModelException("local", ModelException.Kind.BAD_REQUEST, e.getMessage(), e);
        }
    }

    private static Number number(Map<String, Object> extra, String key, Number fallback) {
        Object v = extra.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n;
        try {
            return Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            throw new ModelException("local", ModelException.Kind.BAD_REQUEST, key + " must be a number, got " + v, e);
        }
    }
}
