package dev.muse.eval;

/**
 * A problem the user can fix: an unknown benchmark, a missing or malformed data file, an out directory that
 * clashes with {@code --resume}. The message says what is wrong and what to do; the CLI prints it as it is.
 */
public class EvalException extends RuntimeException {
    public EvalException(String message) {
        super(message);
    }

    public EvalException(String message, Throwable cause) {
        super(message, cause);
    }
}
