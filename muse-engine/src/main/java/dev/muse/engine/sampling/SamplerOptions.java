package dev.muse.engine.sampling;

/**
 * How the next token is picked. Temperature 0 is greedy (argmax). Filters apply in llama.cpp's order: penalties,
 * then top-k, top-p, min-p on the tempered distribution.
 *
 * @param topK keep the k most likely tokens; 0 for no limit
 * @param topP keep the smallest set whose probability reaches p; 1 for no limit
 * @param minP drop tokens below minP × the top probability; 0 for none
 * @param repetitionPenalty divides positive (multiplies negative) logits of recent tokens; 1 for none
 * @param presencePenalty subtracted once from the logit of every recent token; 0 for none
 * @param frequencyPenalty subtracted per occurrence of a recent token; 0 for none
 * @param penaltyWindow how many of the last tokens the penalties look at
 * @param seed the random seed: the same seed, prompt and options give the same tokens
 */
public record SamplerOptions(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float presencePenalty,
        float frequencyPenalty,
        int penaltyWindow,
        long seed) {

    public static final SamplerOptions GREEDY = new SamplerOptions(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0L);

    public SamplerOptions {
        if (!(temperature >= 0 && temperature <= 10)) throw new IllegalArgumentException("temperature must be between 0 and 10, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be 0 (off) or positive, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be positive, got " + repetitionPenalty);
        if (penaltyWindow < 0) throw new IllegalArgumentException("penalty window must not be negative, got " + penaltyWindow);
    }

    /** Sampling at {@code temperature} with a seed and no other filters. */
    public static SamplerOptions of(float temperature, long seed) {
        return new SamplerOptions(temperature, 0, 1f, 0f, 1f, 0f, 0f, 64, seed);
    }

    public SamplerOptions withSeed(long s) {
        return new SamplerOptions(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyWindow, s);
    }

    public boolean greedy() {
        return temperature == 0f;
    }
}
