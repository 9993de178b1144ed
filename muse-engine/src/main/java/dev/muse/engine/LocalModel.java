package dev.muse.engine;

import dev.muse.core.ChatModel;
import dev.muse.engine.model.Model;
import dev.muse.engine.model.ModelConfig;
import dev.muse.engine.tensor.Parallel;
import dev.muse.tokenizer.StreamingDecoder;
import dev.muse.tokenizer.Tokenizer;
import dev.muse.tokenizer.template.ChatTemplate;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A model loaded for use: weights, tokenizer, chat template and one {@link Scheduler}. Calls from several threads
 * are decoded together (continuous batching: one forward pass per step for every active sequence), and a prompt
 * reuses the longest prefix already cached; {@code n} samples of one prompt share its prefill.
 * Get one from {@link LocalModels#load}.
 */
public final class LocalModel implements AutoCloseable {
    private final String name;
    private final Model model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Parallel parallel;
    private final Scheduler scheduler;
    private final Set<Integer> stopIds;
    private final ReentrantLock lock = new ReentrantLock();

    LocalModel(String name, Model model, Tokenizer tokenizer, ChatTemplate template, Set<Integer> stopIds, EngineOptions options) {
        this.name = name;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.stopIds = Set.copyOf(stopIds);
        this.parallel = new Parallel(options.threads());
        this.scheduler = new Scheduler(model, model.transformer(parallel), options.effectiveContext(model.config().contextLength()),
                this.stopIds::contains, name);
    }

    /** A short name for messages and traces, e.g. "local:qwen3-0.6b-q8_0". */
    public String name() {
        return name;
    }

    public ModelConfig config() {
        return model.config();
    }

    /** The context this engine allots per sequence (may be below the model's own). */
    public int contextLength() {
        return scheduler.contextLength();
    }

    /** The tokenizer, or null for a llama2.c checkpoint loaded without its tokenizer file. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat template, or null when the model has no tokenizer. */
    public ChatTemplate chatTemplate() {
        return template;
    }

    public Set<Integer> stopIds() {
        return stopIds;
    }

    public Model model() {
        return model;
    }

    /** This model as a {@link ChatModel}. */
    public LocalChatModel chatModel() {
        return new LocalChatModel(this);
    }

    /**
     * Raw completion without a chat template: encodes {@code prompt} (with BOS when the tokenizer wants one),
     * generates, and streams text pieces to {@code onText} as they become complete UTF-8.
     */
    public CompletionResult complete(String prompt, GenerateOptions options, Consumer<String> onText) {
        Tokenizer tok = requireTokenizer();
        int[] body = tok.encode(prompt);
        int[] ids = body;
        if (tok.addBosByDefault() && tok.bosId() >= 0) {
            ids = new int[body.length + 1];
            ids[0] = tok.bosId();
            System.arraycopy(body, 0, ids, 1, body.length);
        }
        StreamingDecoder decoder = tok.newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        Generation g = generate(ids, options, (sample, token) -> {
            String piece = decoder.accept(token);
            if (!piece.isEmpty()) {
                text.append(piece);
                if (onText != null) onText.accept(piece);
            }
            return true;
        });
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            if (onText != null) onText.accept(rest);
        }
        return new CompletionResult(text.toString(), g);
    }

    /** Token-level generation of one sample. */
    public Generation generate(int[] prompt, GenerateOptions options, TokenSink sink) {
        return generate(prompt, 1, options, sink).getFirst();
    }

    /** Token-level generation of {@code n} samples sharing the prompt's prefill. */
    public java.util.List<Generation> generate(int[] prompt, int n, GenerateOptions options, TokenSink sink) {
        return scheduler.generate(prompt, n, options, sink);
    }

    Tokenizer requireTokenizer() {
        if (tokenizer == null) {
            throw new IllegalStateException("this llama2.c checkpoint was loaded without a tokenizer; pass its tokenizer file "
                    + "(for example --tokenizer tok512.bin)");
        }
        return tokenizer;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            scheduler.close(); // fails what is still running, then the decode thread ends
            parallel.close();
            model.close();
        } finally {
            lock.unlock();
        }
    }
}
