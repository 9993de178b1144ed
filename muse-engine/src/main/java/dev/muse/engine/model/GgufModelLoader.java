package dev.muse.engine.model;

import dev.muse.engine.gguf.GgufFile;
import dev.muse.engine.gguf.GgufFormatException;
import dev.muse.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Model} from a GGUF file: the family from {@code general.architecture}, the shape from the
 * {@code {arch}.*} keys, the weights from the standard tensor names, every one a view of the mapped file.
 */
public final class GgufModelLoader {
    private GgufModelLoader() {}

    public static Model load(Path path) {
        GgufFile file = GgufFile.open(path);
        try {
            return load(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The model over {@code file}; closing the model closes the file. */
    public static Model load(GgufFile file) {
        Map<String, Object> md = file.metadata();
        Object archName = md.get("general.architecture");
        if (!(archName instanceof String name)) {
            throw new GgufFormatException("the GGUF file has no general.architecture key, so it is not a model file");
        }
        Architecture arch = Architecture.fromGguf(name);
        String p = name + ".";
        int dim = intKey(md, p + "embedding_length", -1);
        int layers = intKey(md, p + "block_count", -1);
        int hidden = intKey(md, p + "feed_forward_length", -1);
        int heads = intKey(md, p + "attention.head_count", -1);
        int kvHeads = intKey(md, p + "attention.head_count_kv", heads);
        int headDim = intKey(md, p + "attention.key_length", heads > 0 ? dim / heads : -1);
        int context = intKey(md, p + "context_length", 2048);
        float eps = (float) doubleKey(md, p + "attention.layer_norm_rms_epsilon", 1e-5);
        float theta = (float) doubleKey(md, p + "rope.freq_base", 10000.0);
        float ropeScale = 1f;
        if ("linear".equals(md.get(p + "rope.scaling.type"))) ropeScale = (float) doubleKey(md, p + "rope.scaling.factor", 1.0);

        Tensor embedding = required(file, "token_embd.weight");
        int vocab = embedding.rows();
        ModelConfig config;
        try {
            config = new ModelConfig(arch, dim, hidden, layers, heads, kvHeads, headDim, vocab, context, eps, theta, ropeScale);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException("the " + name + " model's keys are inconsistent: " + e.getMessage());
        }
        check(embedding, dim, vocab);
        List<LayerWeights> lws = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            Tensor wq = check(required(file, b + "attn_q.weight"), dim, config.qDim());
            Tensor wk = check(required(file, b + "attn_k.weight"), dim, config.kvDim());
            Tensor wv = check(required(file, b + "attn_v.weight"), dim, config.kvDim());
            Tensor wo = check(required(file, b + "attn_output.weight"), config.qDim(), dim);
            float[] bq = null, bk = null, bv = null, qn = null, kn = null;
            if (arch.qkvBias()) {
                bq = vector(file, b + "attn_q.bias", config.qDim());
                bk = vector(file, b + "attn_k.bias", config.kvDim());
                bv = vector(file, b + "attn_v.bias", config.kvDim());
            }
            if (arch.qkNorm()) {
                qn = vector(file, b + "attn_q_norm.weight", headDim);
                kn = vector(file, b + "attn_k_norm.weight", headDim);
            }
            lws.add(new LayerWeights(vector(file, b + "attn_norm.weight", dim), wq, wk, wv, wo, bq, bk, bv, qn, kn,
                    vector(file, b + "ffn_norm.weight", dim),
                    check(required(file, b + "ffn_gate.weight"), dim, hidden),
                    check(required(file, b + "ffn_up.weight"), dim, hidden),
                    check(required(file, b + "ffn_down.weight"), hidden, dim)));
        }
        Tensor output = file.tensor("output.weight");
        output = output == null ? embedding : check(output, dim, vocab);
        float[] ropeFactors = file.tensorInfos().containsKey("rope_freqs.weight") ? vector(file, "rope_freqs.weight", headDim / 2) : null;
        Weights weights = new Weights(embedding, lws, vector(file, "output_norm.weight", dim), output, ropeFactors);
        return new Model(config, weights, md, file);
    }

    private static Tensor required(GgufFile file, String name) {
        Tensor t = file.tensor(name);
        if (t == null) throw new GgufFormatException("the model has no tensor '" + name + "' (incomplete or not a supported layout)");
        return t;
    }

    private static Tensor check(Tensor t, int cols, int rows) {
        if (t.cols() != cols || t.rows() != rows) {
            throw new GgufFormatException("tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape()) + " but the model's keys imply ["
                    + cols + ", " + rows + "]");
        }
        return t;
    }

    private static float[] vector(GgufFile file, String name, int n) {
        Tensor t = required(file, name);
        if (t.cols() * (long) t.rows() != n) {
            throw new GgufFormatException("tensor '" + name + "' has shape " + Arrays.toString(t.shape()) + " but " + n + " values are expected");
        }
        float[] out = new float[n];
        for (int r = 0; r < t.rows(); r++) t.dequantizeRow(r, out, r * t.cols());
        return out;
    }

    private static int intKey(Map<String, Object> md, String key, int fallback) {
        Object v = md.get(key);
        if (v == null) {
            if (fallback < 0) throw new GgufFormatException("the model has no '" + key + "' key");
            return fallback;
        }
        if (v instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) return (int) (long) l;
        if (v instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof Long l) {
            throw new GgufFormatException("'" + key + "' varies per layer, which the engine does not support");
        }
        throw new GgufFormatException("'" + key + "' must be a positive integer, got " + v);
    }

    private static double doubleKey(Map<String, Object> md, String key, double fallback) {
        Object v = md.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw new GgufFormatException("'" + key + "' must be a number, got " + v);
    }
}
