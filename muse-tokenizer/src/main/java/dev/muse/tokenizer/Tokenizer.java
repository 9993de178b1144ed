package dev.muse.tokenizer;

import java.util.Set;

/**
 * Text to token ids and back for one model's vocabulary. Implementations are immutable and thread-safe.
 *
 * <p>{@link #encode} never adds BOS; callers add {@link #bosId()} when {@link #addBosByDefault()} says so.
 */
public interface Tokenizer {

    /**
     * Encodes text, treating control-token text such as {@code <|im_start|>} literally (as ordinary characters).
     * User-defined added tokens (GGUF token type 4, e.g. Qwen's {@code <tool_call>}) are still matched whole, as
     * llama.cpp does.
     */
    int[] encode(String text);

    /** Encodes text that may contain special-token text (a rendered chat template): those become their ids. */
    int[] encodeWithSpecialTokens(String text);

    /**
     * Decodes ids to text. Control tokens (BOS, EOS, {@code <|im_end|>}…) are left out; user-defined tokens are
     * rendered as their text. For SentencePiece-style vocabularies the leading space the encoder adds is removed,
     * so {@code decode(encode(s))} gives {@code s} back.
     */
    String decode(int[] ids);

    /** The raw vocabulary string of one id (for logs and debugging; byte-level pieces are not byte-decoded). */
    String piece(int id);

    int vocabSize();

    int bosId();

    int eosId();

    /** Ids that end a generation: EOS plus end-of-turn tokens such as {@code <|eot_id|>} or {@code <|im_end|>}. */
    Set<Integer> stopIds();

    /** True for control tokens (type 3) and the unknown token: text that is markup, not content. */
    boolean isSpecial(int id);

    boolean addBosByDefault();

    /** A fresh decoder for one generation stream; it is not thread-safe, use one per stream. */
    StreamingDecoder newStreamingDecoder();
}
