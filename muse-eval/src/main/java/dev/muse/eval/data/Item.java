package dev.muse.eval.data;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One benchmark example.
 *
 * @param id stable across runs (resume and paired comparisons rely on it)
 * @param prompt the task as the model sees it (the question, with its options or training pairs)
 * @param instruction how to write the answer so the scorer can read it; empty for refusal sets
 * @param gold the reference answer (a number, LaTeX, an option letter, a grid as JSON, "refuse" or "comply")
 * @param choices the options in the order shown, for multiple choice; else empty
 * @param meta benchmark-specific extras (GSM8K's worked solution, MATH's subject, the unshuffled gold ...)
 */
public record Item(
        String id,
        String benchmark,
        String prompt,
        String instruction,
        String gold,
        List<String> choices,
        ScorerKind scorer,
        Map<String, String> meta) {
    public Item {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        instruction = instruction == null ? "" : instruction;
        gold = gold == null ? "" : gold;
        choices = choices == null ? List.of() : List.copyOf(choices);
        Objects.requireNonNull(scorer, "scorer");
        meta = meta == null ? Map.of() : Map.copyOf(meta);
    }

    /** The user message of the standard (neutral) framing. */
    public String userMessage() {
        return instruction.isEmpty() ? prompt : prompt + "\n\n" + instruction;
    }

    public Item withPrompt(String p, List<String> newChoices, String newGold) {
        return new Item(id, benchmark, p, instruction, newGold, newChoices, scorer, meta);
    }
}
