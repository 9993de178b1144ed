package dev.muse.cli;

/** A mistake in what the user asked for; shown as one line, exit code 2. */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }
}
