package dev.muse.engine.model;

/**
 * The shape of a model, read from GGUF keys ({@code {arch}.block_count} …) or a llama2.c header.
 *
 * @param headDim size of one attention head (normally dim / heads; Qwen3 sets it separately)
 * @param ropeScale linear RoPE scaling factor (positions are divided by it); 1 for none
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        float ropeScale) {

    public ModelConfig {
        check(dim > 0, "embedding length must be positive: " + dim);
        check(hiddenDim > 0, "feed-forward length must be positive: " + hiddenDim);
        check(layers > 0 && layers <= 1024, "block count must be 1..1024: " + layers);
        check(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                "head count " + heads + " must be a positive multiple of the KV head count " + kvHeads);
        check(headDim > 0 && headDim % 2 == 0, "head size must be positive and even: " + headDim);
        check(vocabSize > 0, "vocabulary size must be positive: " + vocabSize);
        check(contextLength > 0, "context length must be positive: " + contextLength);
        check(rmsEps > 0 && rmsEps < 1, "RMS norm epsilon must be in (0, 1): " + rmsEps);
        check(ropeTheta > 0, "RoPE base must be positive: " + ropeTheta);
        check(ropeScale > 0, "RoPE scale must be positive: " + ropeScale);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("invalid model configuration: " + message);
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }
}
