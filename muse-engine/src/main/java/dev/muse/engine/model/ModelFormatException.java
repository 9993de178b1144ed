package dev.muse.engine.model;

/** A model file is not what it claims to be (truncated, corrupted, inconsistent); the message says what and where. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
