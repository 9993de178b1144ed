package dev.muse.engine;

/**
 * What one sample generated: the new token ids (without the prompt; a final stop token is not included), their
 * log-probabilities when asked for (else an empty array), why it stopped, and the timings of the call.
 */
public record Generation(int[] promptTokens, int[] tokens, float[] logprobs, StopReason stopReason, Timings timings) {}
