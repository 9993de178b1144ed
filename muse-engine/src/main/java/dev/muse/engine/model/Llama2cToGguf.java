package dev.muse.engine.model;

import dev.muse.engine.gguf.GgufValueType;
import dev.muse.engine.gguf.GgufWriter;
import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a llama2.c checkpoint and its tokenizer file into a GGUF {@code llama} model with a SentencePiece-style
 * vocabulary, so the same trained weights can run through the GGUF path here and in llama.cpp. llama2.c rotates
 * adjacent pairs like llama.cpp's "normal" RoPE, so the q/k weights are copied as they are. Weights stay F32.
 */
public final class Llama2cToGguf {
    private Llama2cToGguf() {}

    public static void convert(Path checkpoint, Path tokenizer, Path out) throws IOException {
        try (Model m = Llama2cCheckpoint.load(checkpoint)) {
            ModelConfig c = m.config();
            Weights w = m.weights();
            GgufWriter g = new GgufWriter();
            g.put("general.architecture", "llama");
            g.put("general.name", checkpoint.getFileName().toString());
            g.put("llama.block_count", c.layers());
            g.put("llama.context_length", c.contextLength());
            g.put("llama.embedding_length", c.dim());
            g.put("llama.feed_forward_length", c.hiddenDim());
            g.put("llama.attention.head_count", c.heads());
            g.put("llama.attention.head_count_kv", c.kvHeads());
            g.put("llama.attention.layer_norm_rms_epsilon", c.rmsEps());
            g.put("llama.rope.freq_base", c.ropeTheta());
            g.put("llama.rope.dimension_count", c.headDim());
            vocabulary(g, tokenizer, c.vocabSize());
            g.tensor("token_embd.weight", GgmlType.F32, w.tokenEmbedding().shape(), bytes(w.tokenEmbedding()));
            for (int l = 0; l < c.layers(); l++) {
                LayerWeights lw = w.layers().get(l);
                String b = "blk." + l + ".";
                g.tensor(b + "attn_norm.weight", GgmlType.F32, new long[] {c.dim()}, lw.attnNorm());
                g.tensor(b + "attn_q.weight", GgmlType.F32, lw.wq().shape(), bytes(lw.wq()));
                g.tensor(b + "attn_k.weight", GgmlType.F32, lw.wk().shape(), bytes(lw.wk()));
                g.tensor(b + "attn_v.weight", GgmlType.F32, lw.wv().shape(), bytes(lw.wv()));
                g.tensor(b + "attn_output.weight", GgmlType.F32, lw.wo().shape(), bytes(lw.wo()));
                g.tensor(b + "ffn_norm.weight", GgmlType.F32, new long[] {c.dim()}, lw.ffnNorm());
                g.tensor(b + "ffn_gate.weight", GgmlType.F32, lw.ffnGate().shape(), bytes(lw.ffnGate()));
                g.tensor(b + "ffn_up.weight", GgmlType.F32, lw.ffnUp().shape(), bytes(lw.ffnUp()));
                g.tensor(b + "ffn_down.weight", GgmlType.F32, lw.ffnDown().shape(), bytes(lw.ffnDown()));
            }
            g.tensor("output_norm.weight", GgmlType.F32, new long[] {c.dim()}, w.outputNorm());
            if (w.output() != w.tokenEmbedding()) g.tensor("output.weight", GgmlType.F32, w.output().shape(), bytes(w.output()));
            g.write(out);
        }
    }

    private static byte[] bytes(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }

    /** llama2.c's tokenizer.bin: int32 max length, then per token float32 score, int32 length, UTF-8 bytes. */
    private static void vocabulary(GgufWriter g, Path tokenizer, int vocab) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(tokenizer)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> tokens = new ArrayList<>(vocab);
        List<Float> scores = new ArrayList<>(vocab);
        List<Integer> types = new ArrayList<>(vocab);
        try {
            buf.getInt();
            for (int i = 0; i < vocab; i++) {
                scores.add(buf.getFloat());
                byte[] b = new byte[buf.getInt()];
                buf.get(b);
                String piece = new String(b, StandardCharsets.UTF_8);
                boolean isByte = piece.matches("<0x[0-9A-Fa-f]{2}>");
                int type = i == 0 ? 2 : (i <= 2 ? 3 : (isByte ? 6 : 1));
                tokens.add(i == 1 ? "<s>" : i == 2 ? "</s>" : i == 0 ? "<unk>" : piece.replace(' ', '\u2581'));
                types.add(type);
            }
        } catch (RuntimeException e) {
            throw new ModelFormatException(tokenizer + " is not a llama2.c tokenizer for " + vocab + " tokens: " + e, e);
        }
        g.put("tokenizer.ggml.model", "llama");
        g.put("tokenizer.ggml.tokens", tokens);
        g.put("tokenizer.ggml.scores", scores);
        g.put("tokenizer.ggml.token_type", GgufWriter.typed(GgufValueType.INT32, types));
        g.put("tokenizer.ggml.bos_token_id", 1);
        g.put("tokenizer.ggml.eos_token_id", 2);
        g.put("tokenizer.ggml.unknown_token_id", 0);
    }
}
