package dev.muse.engine;

import dev.muse.engine.sampling.SamplerOptions;

/**
 * One raw generation.
 *
 * @param maxTokens at most this many new tokens (also capped by the context left)
 * @param stopAtEos stop at the tokenizer's end-of-sequence/stop tokens
 * @param logprobs record each chosen token's log-probability
 */
public record GenerateOptions(int maxTokens, SamplerOptions sampler, boolean stopAtEos, boolean logprobs) {
    public GenerateOptions {
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + maxTokens);
        if (sampler == null) sampler = SamplerOptions.GREEDY;
    }

    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, SamplerOptions.GREEDY, true, false);
    }
}
