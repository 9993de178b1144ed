package dev.muse.engine;

import dev.muse.engine.model.KvCache;
import dev.muse.engine.model.Model;
import dev.muse.engine.model.Transformer;
import dev.muse.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntPredicate;

/**
 * Continuous batching, as llama.cpp's server does it: one decode thread owns the model and the KV cache, and every
 * step advances all active sequences of all requests with one forward pass, so N concurrent requests read the
 * weights once per step instead of N times. Requests join between steps (their prompt is prefilled first) and leave
 * when done. A new prompt reuses the longest prefix already in the cache — from another active sequence (the same
 * instructions given to several agents) or from a finished one (a conversation's next turn) — and computes only the
 * rest. Token callbacks run on the decode thread.
 */
final class Scheduler implements AutoCloseable {
    /** Prompt positions per forward during prefill. */
    static final int PREFILL_CHUNK = 32;
    /** Sequences (KV slots) at once; a request waits when its samples do not fit. */
    static final int MAX_SEQUENCES = 128;

    private final Model model;
    private final Transformer transformer;
    private final KvCache cache;
    private final IntPredicate isStop;
    private final LinkedBlockingQueue<Request> incoming = new LinkedBlockingQueue<>();
    private final List<Request> waiting = new ArrayList<>();
    private final List<Request> active = new ArrayList<>();
    /** Tokens whose keys/values each slot holds (a finished slot keeps them for prefix reuse). */
    private final int[][] slotTokens;
    private final int[] slotLength;
    private final boolean[] slotBusy;
    private final Thread thread;
    private volatile boolean closed;

    Scheduler(Model model, Transformer transformer, int contextLength, IntPredicate isStop, String name) {
        this.model = model;
        this.transformer = transformer;
        this.cache = new KvCache(model.config(), MAX_SEQUENCES, contextLength);
        this.isStop = isStop == null ? t -> false : isStop;
        this.slotTokens = new int[MAX_SEQUENCES][];
        this.slotLength = new int[MAX_SEQUENCES];
        this.slotBusy = new boolean[MAX_SEQUENCES];
        this.thread = Thread.ofPlatform().daemon().name("muse-decode-" + name).start(this::loop);
    }

    int contextLength() {
        return cache.contextLength();
    }

    /** Generates {@code n} samples of {@code prompt} together with whatever else is running; blocks until done. */
    List<Generation> generate(int[] prompt, int n, GenerateOptions options, TokenSink sink) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt needs at least one token (for example BOS)");
        if (n < 1 || n > MAX_SEQUENCES) throw new IllegalArgumentException("samples must be 1.." + MAX_SEQUENCES + ", got " + n);
        int ctx = cache.contextLength();
        if (prompt.length >= ctx) throw new ContextOverflowException(prompt.length, ctx);
        int vocab = model.config().vocabSize();
        for (int t : prompt) {
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary of " + vocab);
        }
        if (closed) throw new IllegalStateException("the model is closed");
        Request r = new Request(prompt.clone(), n, options, sink == null ? TokenSink.NONE : sink);
        incoming.add(r);
        try {
            return r.done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    private void loop() {
        while (!closed) {
            try {
                if (active.isEmpty() && waiting.isEmpty()) waiting.add(incoming.take());
                incoming.drainTo(waiting);
                admit();
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // a failure inside the forward pass: every running request gets it, the thread goes on
                for (Request r : active) fail(r, e);
                active.clear();
            }
        }
        IllegalStateException gone = new IllegalStateException("the model was closed during generation");
        for (Request r : active) r.done.completeExceptionally(gone);
        for (Request r : waiting) r.done.completeExceptionally(gone);
        for (Request r; (r = incoming.poll()) != null; ) r.done.completeExceptionally(gone);
    }

    /** Starts waiting requests whose samples fit in the free slots, in arrival order. */
    private void admit() {
        for (var it = waiting.iterator(); it.hasNext(); ) {
            Request r = it.next();
            int free = 0;
            for (boolean b : slotBusy) if (!b) free++;
            if (free < r.n) break; // keep arrival order
            it.remove();
            try {
                start(r);
                active.add(r);
            } catch (RuntimeException e) {
                fail(r, e);
            }
        }
    }

    private void start(Request r) {
        long t0 = System.nanoTime();
        int[] prompt = r.prompt;
        // the slot for sample 0: a free slot holding the longest prefix of this prompt, else any free slot
        int first = -1, firstCommon = -1;
        for (int s = 0; s < MAX_SEQUENCES; s++) {
            if (slotBusy[s]) continue;
            int c = common(s, prompt);
            if (c > firstCommon) {
                first = s;
                firstCommon = c;
            }
        }
        slotBusy[first] = true;
        int reuse = firstCommon;
        // an active sequence may hold a longer prefix (agents given the same instructions): copy its keys/values
        for (int s = 0; s < MAX_SEQUENCES; s++) {
            if (!slotBusy[s] || s == first) continue;
            int c = common(s, prompt);
            if (c > reuse) {
                cache.copyPrefix(s, first, c);
                reuse = c;
            }
        }
        reuse = Math.min(reuse, prompt.length - 1); // the last prompt token is always computed: its logits start decoding
        r.sharedPrefix = r.n > 1 ? prompt.length : reuse; // n samples share the whole prompt
        if (slotTokens[first] == null) slotTokens[first] = new int[cache.contextLength()];
        System.arraycopy(prompt, 0, slotTokens[first], 0, prompt.length);
        slotLength[first] = reuse; // until the prefill below has run
        int vocab = model.config().vocabSize();
        float[] lastLogits = new float[vocab];
        for (int start = reuse; start < prompt.length; start += PREFILL_CHUNK) {
            int m = Math.min(PREFILL_CHUNK, prompt.length - start);
            int[] positions = new int[m];
            int[] slots = new int[m];
            float[][] logits = new float[m][];
            for (int i = 0; i < m; i++) {
                positions[i] = start + i;
                slots[i] = first;
            }
            if (start + m == prompt.length) logits[m - 1] = lastLogits;
            transformer.forward(m, Arrays.copyOfRange(prompt, start, start + m), positions, slots, cache, logits);
        }
        slotLength[first] = prompt.length;
        int budget = Math.min(r.options.maxTokens(), cache.contextLength() - prompt.length);
        r.samples = new Sample[r.n];
        for (int i = 0; i < r.n; i++) {
            int slot = first;
            if (i > 0) {
                slot = freeSlot();
                slotBusy[slot] = true;
                cache.copyPrefix(first, slot, prompt.length);
                if (slotTokens[slot] == null) slotTokens[slot] = new int[cache.contextLength()];
                System.arraycopy(prompt, 0, slotTokens[slot], 0, prompt.length);
                slotLength[slot] = prompt.length;
            }
            var so = r.options.sampler();
            Sample s = new Sample(i, slot, new Sampler(so.withSeed(so.seed() + i), vocab), i == 0 ? lastLogits : lastLogits.clone(),
                    new float[r.options.logprobs() ? budget : 0], budget);
            r.samples[i] = s;
        }
        r.t0 = t0;
        r.t1 = System.nanoTime();
    }

    private int common(int slot, int[] prompt) {
        int[] t = slotTokens[slot];
        if (t == null) return 0;
        int n = Math.min(slotLength[slot], prompt.length);
        int i = 0;
        while (i < n && t[i] == prompt[i]) i++;
        return i;
    }

    private int freeSlot() {
        for (int s = 0; s < MAX_SEQUENCES; s++) if (!slotBusy[s]) return s;
        throw new IllegalStateException("no free KV slot"); // admit() checked there are enough
    }

    /** Picks every active sample's next token, then one forward pass for all of them. */
    private void step() {
        int total = 0;
        for (Request r : active) for (Sample s : r.samples) if (s.reason == null) total++;
        int[] tokens = new int[total];
        int[] positions = new int[total];
        int[] slots = new int[total];
        float[][] logits = new float[total][];
        int m = 0;
        for (var it = active.iterator(); it.hasNext(); ) {
            Request r = it.next();
            try {
                for (Sample s : r.samples) {
                    if (s.reason != null) continue;
                    int token = next(r, s);
                    if (token < 0) continue;
                    tokens[m] = token;
                    positions[m] = slotLength[s.slot] - 1;
                    slots[m] = s.slot;
                    logits[m] = s.logits;
                    m++;
                }
            } catch (RuntimeException e) {
                // this request's callback failed: drop its entries from the batch, the others go on
                int keep = 0;
                for (int i = 0; i < m; i++) {
                    if (!owns(r, slots[i])) {
                        tokens[keep] = tokens[i];
                        positions[keep] = positions[i];
                        slots[keep] = slots[i];
                        logits[keep++] = logits[i];
                    }
                }
                m = keep;
                fail(r, e);
                it.remove();
                continue;
            }
            if (r.finished()) {
                finish(r);
                it.remove();
            }
        }
        if (m == 0) return;
        for (Request r : active) {
            if (m > r.reportedBatch) {
                r.reportedBatch = m;
                r.sink.batch(m, r.sharedPrefix);
            }
        }
        transformer.forward(m, tokens, positions, slots, cache, logits);
    }

    private static boolean owns(Request r, int slot) {
        for (Sample s : r.samples) if (s.slot == slot) return true;
        return false;
    }

    /** The sample's next token (appended to its slot), or -1 when it just stopped. */
    private int next(Request r, Sample s) {
        GenerateOptions o = r.options;
        int vocab = model.config().vocabSize();
        int[] history = slotTokens[s.slot];
        int token;
        if (s.forced != null && s.forcedAt < s.forced.length) {
            token = s.forced[s.forcedAt++];
            if (o.logprobs() && s.generated < s.logprobs.length) s.logprobs[s.generated] = Sampler.logprob(s.logits, token);
        } else if (o.logprobs()) {
            float[] raw = s.logits.clone();
            token = s.sampler.sample(s.logits, history, slotLength[s.slot]);
            if (s.generated < s.logprobs.length) s.logprobs[s.generated] = Sampler.logprob(raw, token);
        } else {
            token = s.sampler.sample(s.logits, history, slotLength[s.slot]);
        }
        if (o.stopAtEos() && isStop.test(token)) {
            s.reason = StopReason.EOS;
            return -1;
        }
        history[slotLength[s.slot]++] = token;
        s.generated++;
        boolean go = r.sink.accept(s.index, token);
        if (go && (s.forced == null || s.forcedAt >= s.forced.length)) {
            int[] more = r.sink.forcedAfter(s.index);
            if (more != null && more.length > 0) {
                for (int t : more) {
                    if (t < 0 || t >= vocab) throw new IllegalArgumentException("forced token id " + t + " is outside the vocabulary");
                }
                s.forced = more;
                s.forcedAt = 0;
            }
        }
        if (!go) s.reason = StopReason.STOPPED_BY_CALLER;
        else if (s.generated >= o.maxTokens()) s.reason = StopReason.MAX_TOKENS;
        else if (s.generated >= s.budget) s.reason = StopReason.CONTEXT_FULL;
        if (s.reason != null) {
            // the last token was never run through the model: its keys/values are not in the slot
            slotLength[s.slot]--;
            return -1;
        }
        return token;
    }

    private void finish(Request r) {
        long t2 = System.nanoTime();
        List<Generation> out = new ArrayList<>(r.n);
        int p = r.prompt.length;
        for (Sample s : r.samples) {
            slotBusy[s.slot] = false;
            Timings timings = new Timings(p, r.t1 - r.t0, s.generated, t2 - r.t1);
            int[] generated = Arrays.copyOfRange(slotTokens[s.slot], p, p + s.generated);
            out.add(new Generation(r.prompt.clone(), generated, Arrays.copyOf(s.logprobs, r.options.logprobs() ? s.generated : 0), s.reason, timings));
            if (s.index > 0) {
                // only sample 0's keys/values stay cached for a next turn; the others' memory is freed
                cache.release(s.slot);
                slotLength[s.slot] = 0;
            }
        }
        r.done.complete(out);
    }

    private void fail(Request r, Throwable e) {
        if (r.samples != null) {
            for (Sample s : r.samples) {
                if (s == null) continue;
                slotBusy[s.slot] = false;
                slotLength[s.slot] = 0; // its keys/values may be half written
            }
        }
        r.done.completeExceptionally(e);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Request {
        final int[] prompt;
        final int n;
        final GenerateOptions options;
        final TokenSink sink;
        final CompletableFuture<List<Generation>> done = new CompletableFuture<>();
        Sample[] samples;
        int sharedPrefix;
        int reportedBatch;
        long t0;
        long t1;

        Request(int[] prompt, int n, GenerateOptions options, TokenSink sink) {
            this.prompt = prompt;
            this.n = n;
            this.options = options;
            this.sink = sink;
        }

        boolean finished() {
            for (Sample s : samples) if (s.reason == null) return false;
            return true;
        }
    }

    private static final class Sample {
        final int index;
        final int slot;
        final Sampler sampler;
        final float[] logits;
        final float[] logprobs;
        final int budget;
        int generated;
        int[] forced;
        int forcedAt;
        StopReason reason;

        Sample(int index, int slot, Sampler sampler, float[] logits, float[] logprobs, int budget) {
            this.index = index;
            this.slot = slot;
            this.sampler = sampler;
            this.logits = logits;
            this.logprobs = logprobs;
            this.budget = budget;
        }
    }
}
