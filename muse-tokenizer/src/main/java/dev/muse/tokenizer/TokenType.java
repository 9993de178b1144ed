package dev.muse.tokenizer;

/** GGUF's {@code tokenizer.ggml.token_type} values. */
enum TokenType {
    UNDEFINED,
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    static TokenType of(long code) {
        return code >= 0 && code < values().length ? values()[(int) code] : NORMAL;
    }
}
