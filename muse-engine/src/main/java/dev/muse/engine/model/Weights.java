package dev.muse.engine.model;

import dev.muse.engine.tensor.Tensor;
import java.util.List;

/**
 * All weights of a model. {@code output} is the token embedding itself for tied models. {@code ropeFactors} are
 * Llama 3.1+'s per-frequency divisors ({@code rope_freqs}), or null.
 */
public record Weights(Tensor tokenEmbedding, List<LayerWeights> layers, float[] outputNorm, Tensor output, float[] ropeFactors) {
    public Weights {
        layers = List.copyOf(layers);
    }
}
