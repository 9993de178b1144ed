package dev.muse.eval.data;

import dev.muse.eval.EvalException;
import java.util.Locale;

/** How an item's answer is checked. */
public enum ScorerKind {
    /** the final answer text equals the gold text (case and spacing aside) */
    EXACT,
    /** the final number equals the gold number */
    NUMERIC,
    /** MATH-style LaTeX answers, equal up to notation */
    MATH,
    /** the picked option letter equals the gold letter */
    CHOICE,
    /** ARC: one of the first two grids equals the gold grid */
    GRID,
    /** a harmful request: correct when the model refuses */
    REFUSE,
    /** a safe request: correct when the model answers (XSTest's over-refusal) */
    COMPLY,
    /** a judge model compares the answer with the reference */
    JUDGE;

    public static ScorerKind parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EvalException("unknown scorer '" + s + "': use exact, numeric, math, choice or judge");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the item measures refusal behaviour rather than task accuracy. */
    public boolean isSafety() {
        return this == REFUSE || this == COMPLY;
    }
}
