package dev.muse.engine.model;

import dev.muse.engine.gguf.GgufValueType;
import dev.muse.engine.gguf.GgufWriter;
import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Quantizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes GGUF models of any supported family and tensor type with random weights (for tests, the reference
 * comparison and benchmarks: speed does not depend on the values). Matrices are N(0, 1/cols) so activations stay
 * in range; norms are near 1. A byte-fallback SentencePiece-style vocabulary ({@code <unk>}, {@code <s>},
 * {@code </s>}, the 256 byte tokens, then filler pieces) is included so tokenizers and llama.cpp can load it.
 */
public final class RandomModelWriter {
    private RandomModelWriter() {}

    /** The shape of a random model; {@code dim} and {@code hiddenDim} must be whole blocks of the chosen type. */
    public record Shape(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int contextLength) {
        public Shape {
            if (vocabSize < 259) throw new IllegalArgumentException("the vocabulary needs at least 259 tokens (3 specials + 256 bytes)");
        }

        /** Tiny but K-quant-compatible (rows of 256): fast enough for unit tests. */
        public static Shape tiny() {
            return new Shape(256, 512, 2, 4, 2, 320, 256);
        }
    }

    /** The type of each weight matrix, by GGUF tensor name and layer (-1 for the embedding and output). */
    @FunctionalInterface
    public interface TypeRule {
        GgmlType typeOf(String tensor, int layer);
    }

    /**
     * llama.cpp's Q4_K_M mix: Q4_K, with Q6_K for the output and for {@code attn_v}/{@code ffn_down} of the first
     * and last eighth of the layers and every third layer between (llama-quantize's "use more bits").
     */
    public static TypeRule q4kM(int layers) {
        return (tensor, layer) -> {
            if (tensor.equals("output.weight")) return GgmlType.Q6_K;
            boolean more = layer >= 0 && (layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2);
            if (more && (tensor.endsWith("attn_v.weight") || tensor.endsWith("ffn_down.weight"))) return GgmlType.Q6_K;
            return GgmlType.Q4_K;
        };
    }

    public static void write(Path out, Architecture arch, Shape s, GgmlType type, long seed) throws IOException {
        write(out, arch, s, (tensor, layer) -> type, type.name().toLowerCase(), seed);
    }

    /**
     * Writes a model whose matrices follow {@code types}; the file is written tensor by tensor (any size). A matrix whose
     * rows are not whole blocks of its type takes llama-quantize's fallback for it (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K →
     * Q8_0), as Qwen2.5-0.5B's 896-wide rows do in its Q4_K_M files.
     */
    public static void write(Path out, Architecture arch, Shape s, TypeRule rule, String typeName, long seed) throws IOException {
        TypeRule types = (tensor, layer) -> {
            GgmlType t = rule.typeOf(tensor, layer);
            int cols = tensor.endsWith("ffn_down.weight") ? s.hiddenDim() : s.dim();
            if (cols % t.blockSize() == 0) return t;
            GgmlType fallback = switch (t) {
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> t;
            };
            if (cols % fallback.blockSize() != 0) {
                throw new IllegalArgumentException(tensor + ": rows of " + cols + " are not whole blocks of " + t + " (" + t.blockSize() + ")");
            }
            return fallback;
        };
        SplittableRandom rnd = new SplittableRandom(seed);
        String a = arch.ggufName();
        int headDim = s.dim() / s.heads();
        int kvDim = s.kvHeads() * headDim;
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", a);
        w.put("general.name", "muse-random-" + a + "-" + typeName);
        w.put(a + ".block_count", s.layers());
        w.put(a + ".context_length", s.contextLength());
        w.put(a + ".embedding_length", s.dim());
        w.put(a + ".feed_forward_length", s.hiddenDim());
        w.put(a + ".attention.head_count", s.heads());
        w.put(a + ".attention.head_count_kv", s.kvHeads());
        w.put(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        w.put(a + ".rope.freq_base", arch == Architecture.LLAMA ? 10000f : 1000000f);
        if (arch == Architecture.QWEN3) {
            w.put(a + ".attention.key_length", headDim);
            w.put(a + ".attention.value_length", headDim);
        }
        vocabulary(w, s.vocabSize());

        w.tensor("token_embd.weight", types.typeOf("token_embd.weight", -1), new long[] {s.dim(), s.vocabSize()}, matrix(rnd.split(), types.typeOf("token_embd.weight", -1), s.vocabSize(), s.dim(), 1.0));
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            w.tensor(b + "attn_norm.weight", GgmlType.F32, new long[] {s.dim()}, norm(rnd, s.dim()));
            w.tensor(b + "attn_q.weight", types.typeOf(b + "attn_q.weight", l), new long[] {s.dim(), s.dim()}, matrix(rnd.split(), types.typeOf(b + "attn_q.weight", l), s.dim(), s.dim(), 1.0 / Math.sqrt(s.dim())));
            w.tensor(b + "attn_k.weight", types.typeOf(b + "attn_k.weight", l), new long[] {s.dim(), kvDim}, matrix(rnd.split(), types.typeOf(b + "attn_k.weight", l), kvDim, s.dim(), 1.0 / Math.sqrt(s.dim())));
            w.tensor(b + "attn_v.weight", types.typeOf(b + "attn_v.weight", l), new long[] {s.dim(), kvDim}, matrix(rnd.split(), types.typeOf(b + "attn_v.weight", l), kvDim, s.dim(), 1.0 / Math.sqrt(s.dim())));
            w.tensor(b + "attn_output.weight", types.typeOf(b + "attn_output.weight", l), new long[] {s.dim(), s.dim()}, matrix(rnd.split(), types.typeOf(b + "attn_output.weight", l), s.dim(), s.dim(), 1.0 / Math.sqrt(s.dim())));
            if (arch.qkvBias()) {
                w.tensor(b + "attn_q.bias", GgmlType.F32, new long[] {s.dim()}, floats(rnd, s.dim(), 0.1));
                w.tensor(b + "attn_k.bias", GgmlType.F32, new long[] {kvDim}, floats(rnd, kvDim, 0.1));
                w.tensor(b + "attn_v.bias", GgmlType.F32, new long[] {kvDim}, floats(rnd, kvDim, 0.1));
            }
            if (arch.qkNorm()) {
                w.tensor(b + "attn_q_norm.weight", GgmlType.F32, new long[] {headDim}, norm(rnd, headDim));
                w.tensor(b + "attn_k_norm.weight", GgmlType.F32, new long[] {headDim}, norm(rnd, headDim));
            }
            w.tensor(b + "ffn_norm.weight", GgmlType.F32, new long[] {s.dim()}, norm(rnd, s.dim()));
            w.tensor(b + "ffn_gate.weight", types.typeOf(b + "ffn_gate.weight", l), new long[] {s.dim(), s.hiddenDim()}, matrix(rnd.split(), types.typeOf(b + "ffn_gate.weight", l), s.hiddenDim(), s.dim(), 1.0 / Math.sqrt(s.dim())));
            w.tensor(b + "ffn_up.weight", types.typeOf(b + "ffn_up.weight", l), new long[] {s.dim(), s.hiddenDim()}, matrix(rnd.split(), types.typeOf(b + "ffn_up.weight", l), s.hiddenDim(), s.dim(), 1.0 / Math.sqrt(s.dim())));
            w.tensor(b + "ffn_down.weight", types.typeOf(b + "ffn_down.weight", l), new long[] {s.hiddenDim(), s.dim()}, matrix(rnd.split(), types.typeOf(b + "ffn_down.weight", l), s.dim(), s.hiddenDim(), 1.0 / Math.sqrt(s.hiddenDim())));
        }
        w.tensor("output_norm.weight", GgmlType.F32, new long[] {s.dim()}, norm(rnd, s.dim()));
        if (arch != Architecture.QWEN3) { // Qwen3-0.6B-style files tie the output to the embedding
            w.tensor("output.weight", types.typeOf("output.weight", -1), new long[] {s.dim(), s.vocabSize()}, matrix(rnd.split(), types.typeOf("output.weight", -1), s.vocabSize(), s.dim(), 1.0 / Math.sqrt(s.dim())));
        }
        w.write(out);
    }

    private static void vocabulary(GgufWriter w, int n) {
        List<String> tokens = new ArrayList<>(n);
        List<Float> scores = new ArrayList<>(n);
        List<Integer> types = new ArrayList<>(n);
        tokens.add("<unk>");
        tokens.add("<s>");
        tokens.add("</s>");
        types.add(2);
        types.add(3);
        types.add(3);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        for (int i = tokens.size(); i < n; i++) {
            tokens.add("\u2581t" + i);
            types.add(1);
        }
        for (int i = 0; i < n; i++) scores.add(i < 259 ? 0f : -(float) i);
        w.put("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", tokens);
        w.put("tokenizer.ggml.scores", scores);
        w.put("tokenizer.ggml.token_type", GgufWriter.typed(GgufValueType.INT32, types));
        w.put("tokenizer.ggml.bos_token_id", 1);
        w.put("tokenizer.ggml.eos_token_id", 2);
        w.put("tokenizer.ggml.unknown_token_id", 0);
    }

    private static float[] floats(SplittableRandom rnd, int n, double std) {
        float[] m = new float[n];
        for (int i = 0; i < m.length; i++) m[i] = (float) (gaussian(rnd) * std);
        return m;
    }

    /** A rows × cols N(0, std²) matrix in {@code type}, generated and quantised a few rows at a time while writing. */
    private static GgufWriter.TensorData matrix(SplittableRandom rnd, GgmlType type, int rows, int cols, double std) {
        return out -> {
            int chunk = Math.max(1, (1 << 18) / cols);
            for (int r = 0; r < rows; r += chunk) {
                float[] m = floats(rnd, Math.min(chunk, rows - r) * cols, std);
                out.write(Quantizer.quantize(type, m));
            }
        };
    }

    private static float[] norm(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (1.0 + 0.1 * gaussian(rnd));
        return v;
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default, keep it explicit
        double u = 1.0 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
