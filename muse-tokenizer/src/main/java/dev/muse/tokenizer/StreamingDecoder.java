package dev.muse.tokenizer;

/**
 * Turns generated ids into text one at a time without ever splitting a UTF-8 character: bytes of an incomplete
 * sequence (byte-fallback or byte-level tokens) are held back until the character is complete.
 */
public interface StreamingDecoder {

    /** Accepts one id and returns the text that became complete (possibly empty, never null). */
    String accept(int id);

    /** Returns what is still held back at the end of the stream (an incomplete sequence becomes U+FFFD). */
    String flush();
}
