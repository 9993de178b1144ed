package dev.muse.eval.score;

/**
 * How one answer fared.
 *
 * @param correct whether it counts as right for the benchmark (for refusal sets: whether the model behaved as
 *     it should, refusing a harmful request or answering a safe one)
 * @param extracted the answer the scorer read out of the model's text, or null when none could be found
 * @param key a normalised form used to group equal answers for majority voting (null when nothing was extracted)
 * @param refused whether the text reads as a refusal (the refusal detector runs on every answer)
 * @param note why the scorer decided as it did, when that is not obvious (a judge's verdict, a parse failure)
 */
public record Score(boolean correct, String extracted, String key, boolean refused, String note) {
    public static Score of(boolean correct, String extracted, String key, boolean refused) {
        return new Score(correct, extracted, key, refused, null);
    }
}
