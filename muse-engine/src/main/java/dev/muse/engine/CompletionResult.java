package dev.muse.engine;

/** A raw text completion: the generated text (without the prompt) and the token-level record with timings. */
public record CompletionResult(String text, Generation generation) {
    public int[] tokens() {
        return generation.tokens();
    }

    public Timings timings() {
        return generation.timings();
    }

    public StopReason stopReason() {
        return generation.stopReason();
    }
}
