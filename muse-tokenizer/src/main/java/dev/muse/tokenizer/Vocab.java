package dev.muse.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The id ↔ string table with per-token scores and types, shared by every tokenizer kind. */
final class Vocab {
    final String[] tokens;
    final float[] scores;
    final TokenType[] types;
    private final Map<String, Integer> ids;

    Vocab(String[] tokens, float[] scores, TokenType[] types) {
        if (tokens.length == 0) throw new IllegalArgumentException("the tokenizer vocabulary is empty");
        if (scores.length != tokens.length || types.length != tokens.length) {
            throw new IllegalArgumentException("tokenizer arrays disagree: " + tokens.length + " tokens, "
                    + scores.length + " scores, " + types.length + " token types; the file is inconsistent");
        }
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.ids = new HashMap<>(tokens.length * 2);
        // the last occurrence wins when a vocabulary repeats a string, as in llama.cpp and HF tokenizers
        for (int i = 0; i < tokens.length; i++) ids.put(tokens[i], i);
    }

    int size() {
        return tokens.length;
    }

    /** The id of an exact token string, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    boolean valid(int id) {
        return id >= 0 && id < tokens.length;
    }

    TokenType type(int id) {
        return types[id];
    }

    /** Ids of tokens with the given types whose text is not empty. */
    List<Integer> idsOfType(TokenType... wanted) {
        List<Integer> out = new java.util.ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            for (TokenType t : wanted) {
                if (types[i] == t && !tokens[i].isEmpty()) {
                    out.add(i);
                    break;
                }
            }
        }
        return out;
    }
}
