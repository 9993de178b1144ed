package dev.muse.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE as GGUF's "llama" tokenizer model describes it (Llama 2, TinyLlama, Mistral v0.1):
 * spaces become '▁', a '▁' is prefixed to the text and after every special token, characters merge pairwise by the
 * score of the merged token (highest first, leftmost on ties), and characters missing from the vocabulary fall
 * back to their UTF-8 bytes as {@code <0xNN>} tokens.
 */
final class SentencePieceTokenizer extends BaseTokenizer {
    static final char SPACE = '▁';

    private final boolean addSpacePrefix;
    private final int[] byteToken = new int[256];
    private final byte[][] bytesOf;
    private final int unk;

    SentencePieceTokenizer(Vocab vocab, Specials specials, boolean addSpacePrefix) {
        super(vocab, specials);
        this.addSpacePrefix = addSpacePrefix;
        java.util.Arrays.fill(byteToken, -1);
        for (int id = 0; id < vocab.size(); id++) {
            int b = byteTokenValue(vocab.tokens[id]);
            if (b >= 0 && (vocab.type(id) == TokenType.BYTE || byteToken[b] < 0)) byteToken[b] = id;
        }
        this.unk = vocab.idsOfType(TokenType.UNKNOWN).stream().findFirst().orElse(vocab.id("<unk>"));
        this.bytesOf = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) bytesOf[id] = computeBytes(id);
    }

    private record Bigram(int left, int right, float score, int size) {}

    @Override
    void encodeText(String fragment, boolean afterSpecial, IntList out) {
        String text = ((addSpacePrefix && afterSpecial) ? " " + fragment : fragment).replace(' ', SPACE);
        if (text.isEmpty()) return;
        // symbols are code points, linked so merged ones drop out
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cp = text.codePointAt(off);
            start[i] = off;
            len[i] = Character.charCount(cp);
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            off += len[i];
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score())
                : Integer.compare(a.left(), b.left()));
        for (int i = 0; i + 1 < n; i++) tryAdd(text, start, len, i, i + 1, queue);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left();
            int r = bg.right();
            // stale: one side already merged into something else
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size() || next[l] != r) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) tryAdd(text, start, len, prev[l], l, queue);
            if (next[l] >= 0) tryAdd(text, start, len, l, next[l], queue);
        }
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            for (byte b : piece.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8)) {
                int bt = byteToken[b & 0xFF];
                if (bt >= 0) out.add(bt);
                else if (unk >= 0) out.add(unk);
            }
        }
    }

    private void tryAdd(String text, int[] start, int[] len, int l, int r, PriorityQueue<Bigram> queue) {
        int size = len[l] + len[r];
        int id = vocab.id(text.substring(start[l], start[l] + size));
        if (id < 0) return;
        queue.add(new Bigram(l, r, vocab.scores[id], size));
    }

    private byte[] computeBytes(int id) {
        String t = vocab.tokens[id];
        return switch (vocab.type(id)) {
            case CONTROL -> new byte[0];
            case UNKNOWN -> "\uFFFD".getBytes(StandardCharsets.UTF_8);
            case BYTE -> {
                int b = byteTokenValue(t);
                yield b >= 0 ? new byte[] {(byte) b} : t.getBytes(StandardCharsets.UTF_8);
            }
            default -> t.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8);
        };
    }

    @Override
    byte[] tokenBytes(int id) {
        return bytesOf[id];
    }

    @Override
    boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }
}
