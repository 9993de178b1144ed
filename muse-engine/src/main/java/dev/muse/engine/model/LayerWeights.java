package dev.muse.engine.model;

import dev.muse.engine.tensor.Tensor;

/**
 * One transformer block, named after the GGUF tensors ({@code blk.N.*}). Norm weights and biases are small and
 * kept as floats; {@code bq/bk/bv} are null unless the family has QKV biases, {@code qNorm/kNorm} null unless it
 * normalises q and k per head.
 */
public record LayerWeights(
        float[] attnNorm,
        Tensor wq,
        Tensor wk,
        Tensor wv,
        Tensor wo,
        float[] bq,
        float[] bk,
        float[] bv,
        float[] qNorm,
        float[] kNorm,
        float[] ffnNorm,
        Tensor ffnGate,
        Tensor ffnUp,
        Tensor ffnDown) {}
