package dev.muse.engine.model;

import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Karpathy's llama2.c "legacy" (version 0) checkpoint: a header of 7 little-endian int32 ({@code dim, hidden_dim,
 * n_layers, n_heads, n_kv_heads, vocab_size, seq_len}) then float32 weights in run.c's order. A negative vocab size
 * means the classifier is stored separately, after the (unused) RoPE tables.
 */
public final class Llama2cCheckpoint {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HEADER = 28;

    private Llama2cCheckpoint() {}

    public static Model load(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) throw bad(file, "the file has " + size + " bytes, less than the 28-byte header");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Model m = parse(file, all, arena);
            return m;
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException("cannot read llama2.c checkpoint " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Model parse(Path file, MemorySegment all, Arena arena) {
        int dim = all.get(I32, 0);
        int hidden = all.get(I32, 4);
        int layers = all.get(I32, 8);
        int heads = all.get(I32, 12);
        int kvHeads = all.get(I32, 16);
        int vocabRaw = all.get(I32, 20);
        int seqLen = all.get(I32, 24);
        boolean shared = vocabRaw > 0;
        int vocab = Math.abs(vocabRaw);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || dim > 1 << 16 || hidden > 1 << 18 || layers > 1024 || heads > dim || vocab > 1 << 22 || seqLen > 1 << 20
                || dim % heads != 0 || heads % kvHeads != 0) {
            throw bad(file, "the header (dim=%d hidden_dim=%d n_layers=%d n_heads=%d n_kv_heads=%d vocab_size=%d seq_len=%d) is not a valid model"
                    .formatted(dim, hidden, layers, heads, kvHeads, vocabRaw, seqLen));
        }
        int headSize = dim / heads;
        int kvDim = kvHeads * headSize;
        long floats = (long) vocab * dim + (long) layers * (2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim
                + 3L * dim * hidden) + dim + (long) seqLen * headSize + (shared ? 0 : (long) vocab * dim);
        long expected = HEADER + floats * 4;
        if (all.byteSize() != expected) {
            throw bad(file, "a model of this header needs " + expected + " bytes but the file has " + all.byteSize()
                    + " (truncated, or not a version-0 llama2.c checkpoint)");
        }
        ModelConfig config = new ModelConfig(Architecture.LLAMA, dim, hidden, layers, heads, kvHeads, headSize, vocab,
                seqLen, 1e-5f, 10000f, 1f);
        long[] at = {HEADER};
        Tensor embedding = take(all, at, "token_embedding", dim, vocab);
        float[][] rmsAtt = new float[layers][];
        for (int l = 0; l < layers; l++) rmsAtt[l] = floats(all, at, dim);
        Tensor[] wq = new Tensor[layers], wk = new Tensor[layers], wv = new Tensor[layers], wo = new Tensor[layers];
        for (int l = 0; l < layers; l++) wq[l] = take(all, at, "wq." + l, dim, dim);
        for (int l = 0; l < layers; l++) wk[l] = take(all, at, "wk." + l, dim, kvDim);
        for (int l = 0; l < layers; l++) wv[l] = take(all, at, "wv." + l, dim, kvDim);
        for (int l = 0; l < layers; l++) wo[l] = take(all, at, "wo." + l, dim, dim);
        float[][] rmsFfn = new float[layers][];
        for (int l = 0; l < layers; l++) rmsFfn[l] = floats(all, at, dim);
        Tensor[] w1 = new Tensor[layers], w2 = new Tensor[layers], w3 = new Tensor[layers];
        for (int l = 0; l < layers; l++) w1[l] = take(all, at, "w1." + l, dim, hidden);
        for (int l = 0; l < layers; l++) w2[l] = take(all, at, "w2." + l, hidden, dim);
        for (int l = 0; l < layers; l++) w3[l] = take(all, at, "w3." + l, dim, hidden);
        float[] rmsFinal = floats(all, at, dim);
        at[0] += (long) seqLen * headSize * 4; // freq_cis_real and freq_cis_imag: run.c recomputes RoPE
        Tensor cls = shared ? embedding : take(all, at, "wcls", dim, vocab);
        List<LayerWeights> lws = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            lws.add(new LayerWeights(rmsAtt[l], wq[l], wk[l], wv[l], wo[l], null, null, null, null, null, rmsFfn[l],
                    w1[l], w3[l], w2[l]));
        }
        return new Model(config, new Weights(embedding, lws, rmsFinal, cls, null), null, arena);
    }

    private static Tensor take(MemorySegment all, long[] at, String name, int cols, int rows) {
        long bytes = 4L * cols * rows;
        Tensor t = Tensor.of(name, GgmlType.F32, new long[] {cols, rows}, all.asSlice(at[0], bytes));
        at[0] += bytes;
        return t;
    }

    private static float[] floats(MemorySegment all, long[] at, int n) {
        float[] out = new float[n];
        MemorySegment.copy(all, F32, at[0], out, 0, n);
        at[0] += 4L * n;
        return out;
    }

    private static ModelFormatException bad(Path file, String what) {
        return new ModelFormatException("not a usable llama2.c checkpoint: " + file + ": " + what);
    }
}
