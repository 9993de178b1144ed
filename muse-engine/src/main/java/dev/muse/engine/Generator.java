package dev.muse.engine;

import dev.muse.engine.model.KvCache;
import dev.muse.engine.model.Model;
import dev.muse.engine.model.Transformer;
import dev.muse.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Token-level generation over one model: prefill the prompt in chunks, then decode. {@code n} samples of one
 * prompt share its prefill: it runs once in slot 0 and the cache prefix is copied to the other slots, which then
 * advance together, one batch per step. Not thread-safe: one generation at a time (callers serialise).
 */
public final class Generator {
    /** Most samples one call may ask for (ChatRequest allows up to 128). */
    static final int MAX_SAMPLES = 128;

    private final Model model;
    private final Transformer transformer;
    private final KvCache cache;
    private final IntPredicate isStop;

    /** @param isStop true for end-of-sequence/stop token ids */
    public Generator(Model model, Transformer transformer, int contextLength, IntPredicate isStop) {
        this.model = model;
        this.transformer = transformer;
        this.cache = new KvCache(model.config(), MAX_SAMPLES, contextLength);
        this.isStop = isStop == null ? t -> false : isStop;
    }

    public int contextLength() {
        return cache.contextLength();
    }

    public Model model() {
        return model;
    }

    /** One sample; see {@link #generate(int[], int, GenerateOptions, TokenSink)}. */
    public Generation generate(int[] prompt, GenerateOptions options, TokenSink sink) {
        return generate(prompt, 1, options, sink).getFirst();
    }

    /**
     * Generates {@code n} samples continuing {@code prompt}. Sample i uses seed {@code seed + i}.
     *
     * @throws ContextOverflowException when the prompt leaves no room to generate
     */
    public List<Generation> generate(int[] prompt, int n, GenerateOptions options, TokenSink sink) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt needs at least one token (for example BOS)");
        if (n < 1 || n > MAX_SAMPLES) throw new IllegalArgumentException("samples must be 1.." + MAX_SAMPLES + ", got " + n);
        int ctx = cache.contextLength();
        if (prompt.length >= ctx) throw new ContextOverflowException(prompt.length, ctx);
        int vocab = model.config().vocabSize();
        for (int t : prompt) {
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary of " + vocab);
        }
        TokenSink out = sink == null ? TokenSink.NONE : sink;

        long t0 = System.nanoTime();
        float[] lastLogits = new float[vocab];
        for (int start = 0; start < prompt.length; start += Transformer.PREFILL_CHUNK) {
            int m = Math.min(Transformer.PREFILL_CHUNK, prompt.length - start);
            int[] tokens = Arrays.copyOfRange(prompt, start, start + m);
            int[] positions = new int[m];
            int[] slots = new int[m];
            float[][] logits = new float[m][];
            for (int i = 0; i < m; i++) positions[i] = start + i;
            if (start + m == prompt.length) logits[m - 1] = lastLogits;
            transformer.forward(m, tokens, positions, slots, cache, logits);
        }
        for (int s = 1; s < n; s++) cache.copyPrefix(0, s, prompt.length);
        long t1 = System.nanoTime();

        int budget = Math.min(options.maxTokens(), ctx - prompt.length);
        int[][] history = new int[n][prompt.length + budget];
        int[] length = new int[n];
        float[][] logprobs = new float[n][options.logprobs() ? budget : 0];
        StopReason[] reason = new StopReason[n];
        Sampler[] samplers = new Sampler[n];
        float[][] logits = new float[n][];
        for (int s = 0; s < n; s++) {
            System.arraycopy(prompt, 0, history[s], 0, prompt.length);
            length[s] = prompt.length;
            samplers[s] = new Sampler(options.sampler().withSeed(options.sampler().seed() + s), vocab);
            logits[s] = s == 0 ? lastLogits : lastLogits.clone();
        }
        int[][] forced = new int[n][];
        int[] forcedAt = new int[n];
        int active = n;
        int[] generated = new int[n];
        int[] tokens = new int[n];
        int[] positions = new int[n];
        int[] slots = new int[n];
        float[][] batchLogits = new float[n][];
        while (active > 0) {
            int m = 0;
            for (int s = 0; s < n; s++) {
                if (reason[s] != null) continue;
                int token;
                if (forced[s] != null && forcedAt[s] < forced[s].length) {
                    token = forced[s][forcedAt[s]++];
                    if (options.logprobs() && generated[s] < logprobs[s].length) logprobs[s][generated[s]] = Sampler.logprob(logits[s], token);
                } else {
                    token = pick(samplers[s], logits[s], history[s], length[s], options.logprobs() ? logprobs[s] : null, generated[s]);
                }
                if (options.stopAtEos() && isStop.test(token)) {
                    reason[s] = StopReason.EOS;
                    active--;
                    continue;
                }
                history[s][length[s]++] = token;
                generated[s]++;
                boolean go = out.accept(s, token);
                if (go && (forced[s] == null || forcedAt[s] >= forced[s].length)) {
                    int[] more = out.forcedAfter(s);
                    if (more != null && more.length > 0) {
                        for (int t : more) {
                            if (t < 0 || t >= vocab) throw new IllegalArgumentException("forced token id " + t + " is outside the vocabulary");
                        }
                        forced[s] = more;
                        forcedAt[s] = 0;
                    }
                }
                if (!go) {
                    reason[s] = StopReason.STOPPED_BY_CALLER;
                } else if (generated[s] >= options.maxTokens()) {
                    reason[s] = StopReason.MAX_TOKENS;
                } else if (generated[s] >= budget) {
                    reason[s] = StopReason.CONTEXT_FULL;
                }
                if (reason[s] != null) {
                    active--;
                    continue;
                }
                tokens[m] = token;
                positions[m] = length[s] - 1;
                slots[m] = s;
                batchLogits[m] = logits[s];
                m++;
            }
            if (m > 0) transformer.forward(m, tokens, positions, slots, cache, batchLogits);
        }
        long t2 = System.nanoTime();
        for (int s = 1; s < n; s++) cache.release(s);

        List<Generation> results = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            Timings timings = new Timings(prompt.length, t1 - t0, generated[s], t2 - t1);
            results.add(new Generation(prompt.clone(), Arrays.copyOfRange(history[s], prompt.length, length[s]),
                    Arrays.copyOf(logprobs[s], options.logprobs() ? generated[s] : 0), reason[s], timings));
        }
        return results;
    }

    private static int pick(Sampler sampler, float[] logits, int[] history, int length, float[] logprobs, int index) {
        if (logprobs == null) return sampler.sample(logits, history, length);
        float[] raw = logits.clone();
        int token = sampler.sample(logits, history, length);
        if (index < logprobs.length) logprobs[index] = Sampler.logprob(raw, token);
        return token;
    }
}
