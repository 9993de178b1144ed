package dev.muse.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Parallel;
import dev.muse.engine.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every family over the shared forward pass, checked against a naive double-precision transformer written out
 * plainly below (its own RoPE pairing, biases and q/k norms), on random-weight GGUF files from our writer.
 */
class ArchitectureTest {
    /** 40 positions: attention crosses a KV block boundary ({@link KvCache#BLOCK} = 32). */
    static final int[] PROMPT = new int[40];

    static {
        int[] base = {1, 17, 300, 42, 5, 99, 260, 7};
        for (int i = 0; i < PROMPT.length; i++) PROMPT[i] = base[i % 8] + i / 8;
    }

    @TempDir
    Path tmp;

    Model write(Architecture arch, GgmlType type) throws Exception {
        Path p = tmp.resolve(arch + "-" + type + ".gguf");
        RandomModelWriter.write(p, arch, RandomModelWriter.Shape.tiny(), type, 11);
        return GgufModelLoader.load(p);
    }

    /** Logits at every prompt position, one token per forward call; keys and values kept as F32 (no rounding). */
    static float[][] engineLogits(Model m, Parallel par, boolean batched) {
        return engineLogits(m, par, batched, KvCache.Type.F32);
    }

    static float[][] engineLogits(Model m, Parallel par, boolean batched, KvCache.Type kv) {
        Transformer t = m.transformer(par);
        KvCache cache = new KvCache(m.config(), 1, 64, kv);
        int n = PROMPT.length;
        float[][] logits = new float[n][m.config().vocabSize()];
        if (batched) {
            int[] pos = new int[n];
            for (int i = 0; i < n; i++) pos[i] = i;
            t.forward(n, PROMPT, pos, new int[n], cache, logits);
        } else {
            for (int i = 0; i < n; i++) {
                t.forward(1, new int[] {PROMPT[i]}, new int[] {i}, new int[] {0}, cache, new float[][] {logits[i]});
            }
        }
        return logits;
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void forward_pass_should_match_a_naive_reference_transformer(Architecture arch) throws Exception {
        try (Model m = write(arch, GgmlType.F32)) {
            float[][] got = engineLogits(m, Parallel.serial(), false);
            double[][] want = naive(m);
            DEQUANTISED.clear();
            for (int i = 0; i < PROMPT.length; i++) {
                double maxAbs = 0;
                for (double v : want[i]) maxAbs = Math.max(maxAbs, Math.abs(v));
                for (int v = 0; v < want[i].length; v++) {
                    assertThat(Math.abs(got[i][v] - want[i][v])).as("%s position %d token %d", arch, i, v).isLessThan(1e-4 * maxAbs + 1e-4);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void a_half_float_kv_cache_should_give_nearly_the_logits_of_an_f32_one(Architecture arch) throws Exception {
        try (Model m = write(arch, GgmlType.F32)) {
            float[][] f32 = engineLogits(m, Parallel.serial(), false, KvCache.Type.F32);
            float[][] f16 = engineLogits(m, Parallel.serial(), false, KvCache.Type.F16);
            boolean rounded = false;
            for (int i = 0; i < PROMPT.length; i++) {
                double maxAbs = 0;
                for (float v : f32[i]) maxAbs = Math.max(maxAbs, Math.abs(v));
                for (int v = 0; v < f32[i].length; v++) {
                    // keys and values carry 11 significant bits: a few parts in 10^4 of the logits' scale
                    assertThat((double) Math.abs(f16[i][v] - f32[i][v])).as("%s position %d token %d", arch, i, v).isLessThan(3e-3 * maxAbs);
                    rounded |= f16[i][v] != f32[i][v];
                }
            }
            assertThat(rounded).as("the F16 cache rounds (else this test compares the same thing twice)").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void a_batch_of_prompt_positions_should_equal_one_position_at_a_time(Architecture arch) throws Exception {
        // F32: the prompt kernel and the one-vector kernel differ only in summation order
        try (Model m = write(arch, GgmlType.F32); Parallel two = new Parallel(2)) {
            float[][] one = engineLogits(m, Parallel.serial(), false);
            float[][] batch = engineLogits(m, two, true);
            for (int i = 0; i < PROMPT.length; i++) {
                for (int v = 0; v < one[i].length; v++) assertThat(batch[i][v]).isCloseTo(one[i][v], org.assertj.core.api.Assertions.within(1e-4f));
            }
        }
        // Q8_0: one position at a time quantises activations to 8 bits (as llama.cpp does), a prompt chunk keeps
        // them as floats, so the two agree to the activations' rounding only
        try (Model m = write(arch, GgmlType.Q8_0); Parallel two = new Parallel(2)) {
            float[][] one = engineLogits(m, Parallel.serial(), false);
            float[][] batch = engineLogits(m, two, true);
            for (int i = 0; i < PROMPT.length; i++) assertThat(cosine(one[i], batch[i])).as("%s position %d", arch, i).isGreaterThan(0.999);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q5_1", "Q5_0", "Q4_K", "Q4_1", "Q4_0"})
    void quantised_models_should_track_the_f32_model(GgmlType type) throws Exception {
        // same seed, so the quantised model holds the F32 model's weights rounded to the type
        float[][] exact;
        try (Model m = write(Architecture.QWEN2, GgmlType.F32)) {
            exact = engineLogits(m, Parallel.serial(), true);
        }
        try (Model m = write(Architecture.QWEN2, type)) {
            float[][] q = engineLogits(m, Parallel.serial(), true);
            double minCos = switch (type) {
                case F16, BF16, Q8_0 -> 0.999;
                case Q6_K -> 0.995;
                case Q5_K, Q5_0, Q5_1 -> 0.98;
                default -> 0.9;
            };
            for (int i = 0; i < PROMPT.length; i++) assertThat(cosine(exact[i], q[i])).as("%s position %d", type, i).isGreaterThan(minCos);
        }
    }

    @Test
    void unknown_architecture_should_list_the_supported_ones() {
        assertThatThrownBy(() -> Architecture.fromGguf("gemma3"))
                .isInstanceOf(UnsupportedArchitectureException.class)
                .hasMessageContaining("'gemma3'")
                .hasMessageContaining("llama, qwen2, qwen3");
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    // ---- the naive reference: whole-sequence causal attention, recomputed from scratch per position ----

    static double[][] naive(Model m) {
        ModelConfig c = m.config();
        Weights w = m.weights();
        int n = PROMPT.length;
        int hd = c.headDim();
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) x[i] = row(w.tokenEmbedding(), PROMPT[i]);
        for (LayerWeights lw : w.layers()) {
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] h = rms(x[i], lw.attnNorm(), c.rmsEps());
                q[i] = add(mul(lw.wq(), h), lw.bq());
                k[i] = add(mul(lw.wk(), h), lw.bk());
                v[i] = add(mul(lw.wv(), h), lw.bv());
                for (int hh = 0; hh < c.heads(); hh++) headNormAndRope(q[i], hh * hd, hd, lw.qNorm(), c, i);
                for (int hh = 0; hh < c.kvHeads(); hh++) headNormAndRope(k[i], hh * hd, hd, lw.kNorm(), c, i);
            }
            for (int i = 0; i < n; i++) {
                double[] out = new double[c.qDim()];
                for (int hh = 0; hh < c.heads(); hh++) {
                    int kvh = hh / (c.heads() / c.kvHeads());
                    double[] s = new double[i + 1];
                    double max = -1e300;
                    for (int t = 0; t <= i; t++) {
                        for (int j = 0; j < hd; j++) s[t] += q[i][hh * hd + j] * k[t][kvh * hd + j];
                        s[t] /= Math.sqrt(hd);
                        max = Math.max(max, s[t]);
                    }
                    double sum = 0;
                    for (int t = 0; t <= i; t++) sum += s[t] = Math.exp(s[t] - max);
                    for (int t = 0; t <= i; t++) {
                        for (int j = 0; j < hd; j++) out[hh * hd + j] += s[t] / sum * v[t][kvh * hd + j];
                    }
                }
                x[i] = add(x[i], mul(lw.wo(), out));
            }
            for (int i = 0; i < n; i++) {
                double[] h = rms(x[i], lw.ffnNorm(), c.rmsEps());
                double[] g = mul(lw.ffnGate(), h), u = mul(lw.ffnUp(), h);
                for (int j = 0; j < g.length; j++) g[j] = g[j] / (1 + Math.exp(-g[j])) * u[j];
                x[i] = add(x[i], mul(lw.ffnDown(), g));
            }
        }
        double[][] logits = new double[n][];
        for (int i = 0; i < n; i++) logits[i] = mul(w.output(), rms(x[i], w.outputNorm(), c.rmsEps()));
        return logits;
    }

    static void headNormAndRope(double[] v, int off, int hd, float[] norm, ModelConfig c, int pos) {
        if (norm != null) {
            double ss = 0;
            for (int j = 0; j < hd; j++) ss += v[off + j] * v[off + j];
            double inv = 1 / Math.sqrt(ss / hd + c.rmsEps());
            for (int j = 0; j < hd; j++) v[off + j] = v[off + j] * inv * norm[j];
        }
        for (int p = 0; p < hd / 2; p++) {
            double theta = pos * Math.pow(c.ropeTheta(), -2.0 * p / hd);
            int a, b;
            if (c.architecture() == Architecture.LLAMA) { // GGUF llama: consecutive pairs
                a = off + 2 * p;
                b = a + 1;
            } else { // Qwen (NeoX): first half with second half
                a = off + p;
                b = off + p + hd / 2;
            }
            double x0 = v[a], x1 = v[b];
            v[a] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
            v[b] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
        }
    }

    static double[] row(Tensor t, int r) {
        float[] f = new float[t.cols()];
        t.dequantizeRow(r, f, 0);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static final java.util.Map<Tensor, float[]> DEQUANTISED = new java.util.IdentityHashMap<>();

    static double[] mul(Tensor t, double[] x) {
        float[] w = DEQUANTISED.computeIfAbsent(t, Tensor::toFloats);
        double[] out = new double[t.rows()];
        for (int r = 0; r < t.rows(); r++) {
            for (int j = 0; j < t.cols(); j++) out[r] += (double) w[r * t.cols() + j] * x[j];
        }
        return out;
    }

    static double[] add(double[] a, float[] b) {
        if (b == null) return a;
        double[] o = a.clone();
        for (int i = 0; i < o.length; i++) o[i] += b[i];
        return o;
    }

    static double[] add(double[] a, double[] b) {
        double[] o = a.clone();
        for (int i = 0; i < o.length; i++) o[i] += b[i];
        return o;
    }

    static double[] rms(double[] x, float[] w, double eps) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / x.length + eps);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] * inv * w[i];
        return o;
    }
}
