package dev.muse.eval.data;

/** What to do with a data line that cannot be read. */
public enum MalformedPolicy {
    /** report it with its line number and go on */
    SKIP,
    /** stop with an error naming the line */
    FAIL;

    public static MalformedPolicy parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            throw new dev.muse.eval.EvalException("unknown malformed-line policy '" + s + "': use skip or fail");
        }
    }
}
