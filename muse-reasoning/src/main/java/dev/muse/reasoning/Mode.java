package dev.muse.reasoning;

import java.util.Locale;

/** The four ways Muse answers, named as users call them. */
public enum Mode {
    /** One call, reasoning off, short output: lowest latency. */
    INSTANT,
    /** One agent that reasons step by step before answering, with a thinking budget and tools. */
    THINKING,
    /** Several agents solve in parallel, refine their own answers, then the answers are weighed and combined. */
    CONTEMPLATING,
    /** A cheap router picks one of the other three per question. */
    AUTO;

    public static Mode parse(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("mode is empty: use instant, thinking, contemplating or auto");
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown mode '" + s + "': use instant, thinking, contemplating or auto");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
