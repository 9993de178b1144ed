package dev.muse.engine.model;

import dev.muse.engine.tensor.Parallel;
import dev.muse.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one forward pass shared by every family: pre-norm decoder blocks of grouped-query attention with RoPE and a
 * SwiGLU feed-forward. It takes a batch: entry i is token {@code tokens[i]} at position {@code positions[i]} of
 * the sequence in KV slot {@code slots[i]}. Entries may be several positions of one prompt (a prefill chunk, in
 * order) and/or the next token of several sequences; every weight row is read once per batch.
 */
public final class Transformer {
    /**
     * Prompt positions per forward during prefill. Each weight row is read (and, for F16 or the float tile, unpacked)
     * once per chunk: 128 against 64 gave pp512 on the 1B files +5–7% (F16), +2–5% (Q4_0), +2–3% (Q8_0), +2%
     * (Q4_K_M), and a 128-token prompt in one chunk as llama.cpp takes it. At 256 the chunk's activations outgrow L2
     * (F16 −8–13%) and Q4_0 leaves its row groups (−40%).
     */
    public static final int PREFILL_CHUNK = 128;

    private final ModelConfig c;
    private final Weights w;
    private final Parallel parallel;
    /** RoPE inverse frequencies, one per rotated pair of a head. */
    private final float[] invFreq;

    public Transformer(ModelConfig config, Weights weights, Parallel parallel) {
        this.c = config;
        this.w = weights;
        this.parallel = parallel;
        int pairs = config.headDim() / 2;
        this.invFreq = new float[pairs];
        for (int i = 0; i < pairs; i++) {
            float f = 1.0f / (float) Math.pow(config.ropeTheta(), (2 * i) / (float) config.headDim());
            if (weights.ropeFactors() != null) f /= weights.ropeFactors()[i];
            invFreq[i] = f / config.ropeScale();
        }
        // the FFN products may take integer panels for prompts; attention keeps the row groups (see allowPromptPanels)
        for (LayerWeights l : weights.layers()) {
            for (Tensor t : new Tensor[] {l.ffnGate(), l.ffnUp(), l.ffnDown()}) {
                if (t != null) t.allowPromptPanels();
            }
        }
    }

    public ModelConfig config() {
        return c;
    }

    public Weights weights() {
        return w;
    }

    public Parallel parallel() {
        return parallel;
    }

    /**
     * Runs one batch and writes the logits of entry i into {@code logits[i]} when {@code logits[i] != null}.
     * Positions must be below the cache's context length; within one slot they must continue what the slot holds.
     */
    public void forward(int n, int[] tokens, int[] positions, int[] slots, KvCache cache, float[][] logits) {
        int dim = c.dim();
        int hd = c.headDim();
        int kvDim = c.kvDim();
        int kvMul = c.heads() / c.kvHeads();
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary of " + c.vocabSize());
            }
            if (positions[i] < 0 || positions[i] >= cache.contextLength()) {
                throw new IllegalArgumentException("position " + positions[i] + " is outside the context of " + cache.contextLength());
            }
        }
        float[][] x = new float[n][dim];
        float[][] xb = new float[n][dim];
        float[][] q = new float[n][c.qDim()];
        float[][] k = new float[n][kvDim];
        float[][] v = new float[n][kvDim];
        float[][] att = new float[n][c.qDim()];
        float[][] hb = new float[n][c.hiddenDim()];
        float[][] hb2 = new float[n][c.hiddenDim()];
        for (int i = 0; i < n; i++) w.tokenEmbedding().dequantizeRow(tokens[i], x[i], 0);

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers().get(l);
            for (int i = 0; i < n; i++) rmsnorm(xb[i], x[i], lw.attnNorm(), dim);
            lw.wq().matmul(n, xb, q, parallel);
            lw.wk().matmul(n, xb, k, parallel);
            lw.wv().matmul(n, xb, v, parallel);
            for (int i = 0; i < n; i++) {
                if (lw.bq() != null) {
                    add(q[i], lw.bq());
                    add(k[i], lw.bk());
                    add(v[i], lw.bv());
                }
                if (lw.qNorm() != null) {
                    for (int h = 0; h < c.heads(); h++) rmsnormInPlace(q[i], h * hd, lw.qNorm(), hd);
                    for (int h = 0; h < c.kvHeads(); h++) rmsnormInPlace(k[i], h * hd, lw.kNorm(), hd);
                }
                rope(q[i], c.heads(), positions[i]);
                rope(k[i], c.kvHeads(), positions[i]);
                cache.store(slots[i], l, positions[i], k[i], v[i]);
            }

            // attention: every (entry, KV head) pair is independent; a job takes the query heads sharing the KV head
            int layer = l;
            float scale = (float) (1.0 / Math.sqrt(hd));
            parallel.forJobs(n * c.kvHeads(), (from, to) -> {
                float[] scores = scratch(SCORES, kvMul * cache.contextLength()), run = scratch(RUN, 2 * hd * KvCache.BLOCK);
                for (int job = from; job < to; job++) {
                    int i = job / c.kvHeads();
                    int g = job % c.kvHeads();
                    int qo = g * kvMul * hd;
                    Attention.group(q[i], qo, kvMul, cache, slots[i], layer, g, hd, positions[i] + 1, scale, scores, run, att[i], qo);
                }
            });
            lw.wo().matmul(n, att, xb, parallel);
            for (int i = 0; i < n; i++) add(x[i], xb[i]);

            for (int i = 0; i < n; i++) rmsnorm(xb[i], x[i], lw.ffnNorm(), dim);
            lw.ffnGate().matmul(n, xb, hb, parallel);
            lw.ffnUp().matmul(n, xb, hb2, parallel);
            // SwiGLU: one exp per hidden value, as much work as a small product, so split over the threads too
            parallel.forRange(c.hiddenDim(), (from, to) -> {
                for (int i = 0; i < n; i++) swiglu(hb[i], hb2[i], from, to);
            });
            lw.ffnDown().matmul(n, hb, xb, parallel);
            for (int i = 0; i < n; i++) add(x[i], xb[i]);
        }

        int wanted = 0;
        for (int i = 0; i < n; i++) if (logits[i] != null) wanted++;
        if (wanted == 0) return;
        float[][] normed = new float[wanted][];
        float[][] outs = new float[wanted][];
        for (int i = 0, j = 0; i < n; i++) {
            if (logits[i] == null) continue;
            normed[j] = new float[dim];
            rmsnorm(normed[j], x[i], w.outputNorm(), dim);
            outs[j++] = logits[i];
        }
        w.output().matmul(wanted, normed, outs, parallel);
    }

    /**
     * Each thread's attention scores and block run ({@link Attention#group}), reused: a fresh array per job chunk
     * was megabytes of garbage per token.
     */
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]), RUN = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scratch(ThreadLocal<float[]> kind, int size) {
        float[] s = kind.get();
        if (s.length < size) kind.set(s = new float[size]);
        return s;
    }

    private void rmsnorm(float[] out, float[] x, float[] weight, int size) {
        float ss = 0f;
        for (int j = 0; j < size; j++) ss += x[j] * x[j];
        ss /= size;
        ss += c.rmsEps();
        ss = 1.0f / (float) Math.sqrt(ss);
        for (int j = 0; j < size; j++) out[j] = weight[j] * (ss * x[j]);
    }

    private void rmsnormInPlace(float[] x, int off, float[] weight, int size) {
        float ss = 0f;
        for (int j = 0; j < size; j++) ss += x[off + j] * x[off + j];
        ss /= size;
        ss += c.rmsEps();
        ss = 1.0f / (float) Math.sqrt(ss);
        for (int j = 0; j < size; j++) x[off + j] = weight[j] * (ss * x[off + j]);
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * {@code g[j] = silu(g[j]) · u[j]} for j in [from, to), silu(x) = x / (1 + e^-x) as llama.cpp computes it. The
     * Vector API's exp (the JDK's SVML routines on x86) in place of a {@code Math.exp} per value: a 1B model's 8192
     * values took 35 µs on one core that way, 2.1 µs this way (Zen 5). Which values go through the vector loop
     * depends only on the bounds, not on the batch, so a sequence's result does not depend on the others in its step.
     */
    static void swiglu(float[] g, float[] u, int from, int to) {
        int j = from;
        for (int upper = from + F.loopBound(to - from); j < upper; j += F.length()) {
            FloatVector x = FloatVector.fromArray(F, g, j);
            FloatVector silu = x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, u, j)).intoArray(g, j);
        }
        for (; j < to; j++) g[j] = g[j] / (1f + (float) Math.exp(-g[j])) * u[j];
    }

    private static void add(float[] a, float[] b) {
        for (int j = 0; j < a.length; j++) a[j] += b[j];
    }

    private void rope(float[] vec, int heads, int pos) {
        int hd = c.headDim();
        int half = hd / 2;
        boolean adjacent = c.architecture().rope() == Architecture.RopeStyle.ADJACENT_PAIRS;
        for (int p = 0; p < half; p++) {
            float val = pos * invFreq[p];
            float fcr = (float) Math.cos(val);
            float fci = (float) Math.sin(val);
            for (int h = 0; h < heads; h++) {
                int a = h * hd + (adjacent ? 2 * p : p);
                int b = adjacent ? a + 1 : a + half;
                float v0 = vec[a];
                float v1 = vec[b];
                vec[a] = v0 * fcr - v1 * fci;
                vec[b] = v0 * fci + v1 * fcr;
            }
        }
    }

    static void softmax(float[] x, int size) {
        float max = x[0];
        for (int i = 1; i < size; i++) if (x[i] > max) max = x[i];
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) x[i] /= sum;
    }
}
