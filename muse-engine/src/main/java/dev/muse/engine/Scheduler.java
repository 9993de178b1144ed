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
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Continuous batching, as llama.cpp's server does it: one decode thread owns the model and the KV cache, and every
 * step advances all active sequences of all requests with one forward pass, so N concurrent requests read the
 * weights once per step instead of N times. Requests join between steps and leave when done; a joining prompt is
 * prefilled in chunks that ride along with the other sequences' decode steps, several prompts' positions sharing a
 * chunk. A new prompt reuses the longest prefix already in the cache — from another sequence (the same instructions
 * given to several agents: the first prompt computes them, the others copy its keys/values and compute only their own
 * rest) or from a finished one (a conversation's next turn). Requests that arrive together (within
 * {@link #GATHER_GAP_NANOS} of each other after an idle spell) start decoding together, in one batch from their first
 * step. Token callbacks run on the decode thread.
 */
final class Scheduler implements AutoCloseable {
    /** Sequences (KV slots) at once; a request waits when its samples do not fit. */
    static final int MAX_SEQUENCES = 128;
    /** After an idle spell, a request waits this long for another to arrive before decoding starts... */
    static final long GATHER_GAP_NANOS = 25_000_000;
    /** ...and all of them at most this long. */
    static final long GATHER_MAX_NANOS = 250_000_000;

    private final Model model;
    private final Transformer transformer;
    private final KvCache cache;
    private final IntPredicate isStop;
    private final LinkedBlockingQueue<Request> incoming = new LinkedBlockingQueue<>();
    private final List<Request> waiting = new ArrayList<>();
    private final List<Request> prefilling = new ArrayList<>();
    private final List<Request> active = new ArrayList<>();
    /** Tokens whose keys/values each slot holds (a finished slot keeps them for prefix reuse). */
    private final int[][] slotTokens;
    private final int[] slotLength;
    private final boolean[] slotBusy;
    private final Thread thread;
    private volatile boolean closed;
    private long groups;

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
                if (active.isEmpty() && prefilling.isEmpty() && waiting.isEmpty()) {
                    waiting.add(incoming.take());
                    gather();
                }
                incoming.drainTo(waiting);
                admit();
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // a failure inside the forward pass: every running request gets it, the thread goes on
                for (Request r : active) fail(r, e);
                for (Request r : prefilling) fail(r, e);
                active.clear();
                prefilling.clear();
            }
        }
        IllegalStateException gone = new IllegalStateException("the model was closed during generation");
        for (Request r : active) r.done.completeExceptionally(gone);
        for (Request r : prefilling) r.done.completeExceptionally(gone);
        for (Request r : waiting) r.done.completeExceptionally(gone);
        for (Request r; (r = incoming.poll()) != null; ) r.done.completeExceptionally(gone);
    }

    /**
     * After an idle spell, waits a moment for more requests: calls made together (Contemplating's agents, each
     * rendering its chat template on its own thread) arrive a few milliseconds apart, and starting them together
     * lets their prompts be prefilled in shared chunks and their samples decode in one batch from the first step.
     */
    private void gather() throws InterruptedException {
        long deadline = System.nanoTime() + GATHER_MAX_NANOS;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            Request r = incoming.poll(Math.min(GATHER_GAP_NANOS, left), TimeUnit.NANOSECONDS);
            if (r == null) return;
            waiting.add(r);
        }
    }

    /** Starts waiting requests whose samples fit in the free slots, in arrival order. */
    private void admit() {
        long group = ++groups;
        for (var it = waiting.iterator(); it.hasNext(); ) {
            Request r = it.next();
            int free = 0;
            for (boolean b : slotBusy) if (!b) free++;
            if (free < r.n) break; // keep arrival order
            it.remove();
            try {
                r.group = group;
                start(r);
                prefilling.add(r);
            } catch (RuntimeException e) {
                fail(r, e);
            }
        }
    }

    /** Reserves the request's slots and takes the longest prefix of its prompt the cache already holds. */
    private void start(Request r) {
        r.t0 = System.nanoTime();
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
        r.slots = new int[r.n];
        r.slots[0] = first;
        for (int i = 1; i < r.n; i++) {
            int slot = freeSlot();
            slotBusy[slot] = true;
            slotLength[slot] = 0; // its old keys/values are overwritten when sample i starts
            r.slots[i] = slot;
        }
        r.filled = Math.min(firstCommon, prompt.length - 1);
        r.reused = r.filled;
        if (slotTokens[first] == null) slotTokens[first] = new int[cache.contextLength()];
        System.arraycopy(prompt, 0, slotTokens[first], 0, prompt.length);
        slotLength[first] = r.filled; // grows as the prefill runs
        r.lastLogits = new float[model.config().vocabSize()];
        takeSharedPrefix(r);
    }

    /**
     * Copies a longer prefix of the request's prompt from another busy slot when one has computed it (agents given
     * the same instructions). Returns false when an earlier request still prefilling will compute a longer shared
     * prefix: this one waits for it rather than computing the same positions itself.
     */
    private boolean takeSharedPrefix(Request r) {
        int[] prompt = r.prompt;
        int first = r.slots[0];
        int best = r.filled, from = -1;
        for (int s = 0; s < MAX_SEQUENCES; s++) {
            if (!slotBusy[s] || s == first) continue;
            int c = Math.min(common(s, prompt), prompt.length - 1); // the last prompt token is always computed: its logits start decoding
            if (c > best) {
                best = c;
                from = s;
            }
        }
        if (from >= 0) {
            cache.copyPrefix(from, first, best);
            r.filled = best;
            r.reused = Math.max(r.reused, best);
            slotLength[first] = best;
            Request donor = owner(from);
            if (donor != null) donor.reused = Math.max(donor.reused, best); // it computed them for both
        }
        for (Request q : prefilling) {
            if (q == r) break;
            int c = Math.min(commonPrefix(q.prompt, q.prompt.length, prompt, prompt.length), prompt.length - 1);
            if (c > r.filled && q.filled < c) return false;
        }
        return true;
    }

    private Request owner(int slot) {
        for (Request q : prefilling) if (q.slots[0] == slot) return q;
        for (Request q : active) for (int s : q.slots) if (s == slot) return q;
        return null;
    }

    /** Length of the common prefix of {@code a[0..aLength)} and {@code b[0..bLength)}. */
    private static int commonPrefix(int[] a, int aLength, int[] b, int bLength) {
        int n = Math.min(aLength, bLength);
        int i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    /** The prefill is done: sample 0 decodes from the slot's keys/values, the others share its blocks (copy on write). */
    private void ready(Request r) {
        int[] prompt = r.prompt;
        int first = r.slots[0];
        slotLength[first] = prompt.length;
        int budget = Math.min(r.options.maxTokens(), cache.contextLength() - prompt.length);
        int vocab = model.config().vocabSize();
        r.samples = new Sample[r.n];
        for (int i = 0; i < r.n; i++) {
            int slot = r.slots[i];
            if (i > 0) {
                cache.copyPrefix(first, slot, prompt.length);
                if (slotTokens[slot] == null) slotTokens[slot] = new int[cache.contextLength()];
                System.arraycopy(prompt, 0, slotTokens[slot], 0, prompt.length);
                slotLength[slot] = prompt.length;
            }
            var so = r.options.sampler();
            r.samples[i] = new Sample(i, slot, new Sampler(so.withSeed(so.seed() + i), vocab),
                    i == 0 ? r.lastLogits : r.lastLogits.clone(), new float[r.options.logprobs() ? budget : 0], budget);
        }
        r.lastLogits = null;
        r.t1 = System.nanoTime();
    }

    /** How many leading tokens of {@code prompt} the slot's computed keys/values cover. */
    private int common(int slot, int[] prompt) {
        int[] t = slotTokens[slot];
        return t == null ? 0 : commonPrefix(t, slotLength[slot], prompt, prompt.length);
    }

    private int freeSlot() {
        for (int s = 0; s < MAX_SEQUENCES; s++) if (!slotBusy[s]) return s;
        throw new IllegalStateException("no free KV slot"); // admit() checked there are enough
    }

    /**
     * One forward pass: every active sample's next token, plus up to {@link Transformer#PREFILL_CHUNK} prompt
     * positions of the requests still prefilling (several prompts' positions share a chunk), so a joining prompt never
     * stops the others' decoding and each weight row is read once for all of it.
     */
    private void step() {
        // plan the prefill first: sharing a prefix needs every slot's length to count computed positions only
        List<Request> chunk = new ArrayList<>();
        int prefill = 0;
        for (Request r : prefilling) {
            if (prefill >= Transformer.PREFILL_CHUNK) break;
            if (r.filled == r.prompt.length || !takeSharedPrefix(r)) continue;
            chunk.add(r);
            prefill += Math.min(Transformer.PREFILL_CHUNK - prefill, r.prompt.length - r.filled);
        }
        int decoding = 0;
        for (Request r : active) for (Sample s : r.samples) if (s.reason == null) decoding++;
        int total = decoding + prefill;
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
        int decoded = m;
        int[] upTo = new int[chunk.size()];
        int left = prefill;
        for (int c = 0; c < chunk.size(); c++) {
            Request r = chunk.get(c);
            int k = Math.min(left, r.prompt.length - r.filled);
            for (int j = 0; j < k; j++) {
                int pos = r.filled + j;
                tokens[m] = r.prompt[pos];
                positions[m] = pos;
                slots[m] = r.slots[0];
                logits[m] = pos == r.prompt.length - 1 ? r.lastLogits : null;
                m++;
            }
            left -= k;
            upTo[c] = r.filled + k;
        }
        if (m == 0) return;
        for (Request r : active) {
            if (decoded > r.reportedBatch) {
                r.reportedBatch = decoded;
                r.sink.batch(decoded, r.sharedPrefix());
            }
        }
        transformer.forward(m, tokens, positions, slots, cache, logits);
        for (int c = 0; c < chunk.size(); c++) {
            Request r = chunk.get(c);
            r.filled = upTo[c];
            slotLength[r.slots[0]] = r.filled;
        }
        // requests admitted together start decoding together, in one batch from their first step
        for (var it = prefilling.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.filled < r.prompt.length || !groupFilled(r.group)) continue;
            it.remove();
            ready(r);
            active.add(r);
        }
    }

    private boolean groupFilled(long group) {
        for (Request q : prefilling) if (q.group == group && q.filled < q.prompt.length) return false;
        return true;
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
        if (r.slots != null) {
            for (int slot : r.slots) {
                slotBusy[slot] = false;
                slotLength[slot] = 0; // its keys/values may be half written
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
        /** KV slots: sample i decodes in slots[i]; slots[0] holds the prompt's prefill. */
        int[] slots;
        /** Prompt positions whose keys/values slots[0] holds. */
        int filled;
        /** Prompt positions shared with another sequence: taken from the cache, or computed here and copied by another. */
        int reused;
        float[] lastLogits;
        /** Requests admitted in one go share a group: they start decoding together. */
        long group;
        int reportedBatch;
        long t0;
        long t1;

        Request(int[] prompt, int n, GenerateOptions options, TokenSink sink) {
            this.prompt = prompt;
            this.n = n;
            this.options = options;
            this.sink = sink;
        }

        int sharedPrefix() {
            return n > 1 ? prompt.length : reused; // n samples share the whole prompt
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
