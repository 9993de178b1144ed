package dev.muse.engine.gguf;

import dev.muse.engine.model.ModelFormatException;

/** A file is not a valid GGUF file; the message says what is wrong and at which byte. */
public final class GgufFormatException extends ModelFormatException {
    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
