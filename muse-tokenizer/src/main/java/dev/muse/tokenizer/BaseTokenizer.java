package dev.muse.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What every tokenizer kind shares: the vocabulary, special ids, splitting on special tokens, and byte-exact
 * decoding. A kind supplies how plain text becomes ids and what bytes one id stands for.
 */
abstract sealed class BaseTokenizer implements Tokenizer
        permits ByteLevelBpeTokenizer, SentencePieceTokenizer, Llama2cTokenizer {

    /** Ids and flags read from the model file. */
    record Specials(int bos, int eos, Set<Integer> extraStops, boolean addBos) {}

    // token texts that end a turn in common chat formats (llama.cpp recognises the same)
    private static final List<String> END_OF_TURN_TEXTS = List.of(
            "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
            "<EOT>", "<|end▁of▁sentence|>");

    final Vocab vocab;
    private final int bos;
    private final int eos;
    private final boolean addBos;
    private final Set<Integer> stops;
    private final SpecialTokenMatcher userDefinedMatcher;
    private final SpecialTokenMatcher allSpecialMatcher;

    BaseTokenizer(Vocab vocab, Specials specials) {
        this.vocab = vocab;
        this.bos = specials.bos();
        this.eos = specials.eos();
        this.addBos = specials.addBos();
        if (bos >= vocab.size() || eos >= vocab.size()) {
            throw new IllegalArgumentException("BOS id " + bos + " or EOS id " + eos + " is outside the vocabulary of "
                    + vocab.size() + " tokens; the tokenizer metadata is inconsistent");
        }
        Set<Integer> s = new LinkedHashSet<>();
        if (eos >= 0) s.add(eos);
        for (int id : specials.extraStops()) if (vocab.valid(id)) s.add(id);
        for (String t : END_OF_TURN_TEXTS) {
            int id = vocab.id(t);
            if (id >= 0 && (vocab.type(id) == TokenType.CONTROL || vocab.type(id) == TokenType.USER_DEFINED)) s.add(id);
        }
        this.stops = Collections.unmodifiableSet(s);
        this.userDefinedMatcher = new SpecialTokenMatcher(vocab, vocab.idsOfType(TokenType.USER_DEFINED));
        this.allSpecialMatcher =
                new SpecialTokenMatcher(vocab, vocab.idsOfType(TokenType.USER_DEFINED, TokenType.CONTROL));
    }

    /** Encodes one fragment of plain text; {@code afterSpecial} is true at the start and after a special token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** The bytes one id stands for in decoded text (empty for control tokens). */
    abstract byte[] tokenBytes(int id);

    /** Whether the encoder adds a leading space that decoding must take away again. */
    abstract boolean stripsLeadingSpace();

    @Override
    public int[] encode(String text) {
        return encode(text, userDefinedMatcher);
    }

    @Override
    public int[] encodeWithSpecialTokens(String text) {
        return encode(text, allSpecialMatcher);
    }

    private int[] encode(String text, SpecialTokenMatcher matcher) {
        if (text == null) throw new IllegalArgumentException("cannot tokenize null text");
        IntList out = new IntList();
        boolean afterSpecial = true;
        for (SpecialTokenMatcher.Fragment f : matcher.split(text)) {
            if (f.isToken()) {
                out.add(f.id());
                afterSpecial = true;
            } else {
                encodeText(f.text(), afterSpecial, out);
                afterSpecial = false;
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean first = true;
        for (int id : ids) {
            checkId(id);
            byte[] b = tokenBytes(id);
            if (b.length == 0) continue;
            if (first && stripsLeadingSpace() && b[0] == ' ') b = Arrays.copyOfRange(b, 1, b.length);
            first = false;
            out.writeBytes(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return vocab.tokens[id];
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public Set<Integer> stopIds() {
        return stops;
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        TokenType t = vocab.type(id);
        return t == TokenType.CONTROL || t == TokenType.UNKNOWN || id == bos || id == eos;
    }

    @Override
    public boolean addBosByDefault() {
        return addBos;
    }

    @Override
    public StreamingDecoder newStreamingDecoder() {
        return new Utf8StreamingDecoder(this);
    }

    void checkId(int id) {
        if (!vocab.valid(id)) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary (0.." + (vocab.size() - 1) + ")");
        }
    }

    /** Parses {@code <0xNN>}, or returns -1. */
    static int byteTokenValue(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        try {
            return Integer.parseInt(piece, 3, 5, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
