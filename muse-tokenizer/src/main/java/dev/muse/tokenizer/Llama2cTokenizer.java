package dev.muse.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * The tokenizer of llama2.c's {@code tokenizer.bin}/{@code tok512.bin}, encoding as its {@code run.c} does: a
 * dummy-prefix space, one token per code point (or its UTF-8 bytes as ids {@code byte + 3}), then repeatedly the
 * adjacent pair whose concatenation is in the vocabulary with the highest score merges (leftmost on ties).
 * Id 0 is {@code <unk>}, 1 BOS, 2 EOS.
 */
final class Llama2cTokenizer extends BaseTokenizer {
    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;
    private static final int BYTE_OFFSET = 3;

    private final byte[][] bytesOf;

    Llama2cTokenizer(Vocab vocab) {
        super(vocab, new Specials(BOS, EOS, java.util.Set.of(), true));
        this.bytesOf = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            String t = vocab.tokens[id];
            int b = byteTokenValue(t);
            bytesOf[id] = id <= EOS ? new byte[0] : b >= 0 ? new byte[] {(byte) b} : t.getBytes(StandardCharsets.UTF_8);
        }
    }

    private record Pair(int left, int right, float score, int merged) {}

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        if (text.isEmpty()) return;
        IntList initial = new IntList();
        if (afterSpecial) {
            int space = vocab.id(" ");
            if (space >= 0) initial.add(space);
        }
        text.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            int id = vocab.id(ch);
            if (id >= 0) {
                initial.add(id);
            } else {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) initial.add((b & 0xFF) + BYTE_OFFSET);
            }
        });
        int[] sym = initial.toArray();
        int n = sym.length;
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Pair> queue = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score())
                : Integer.compare(a.left(), b.left()));
        for (int i = 0; i + 1 < n; i++) tryAdd(sym, i, i + 1, queue);
        while (!queue.isEmpty()) {
            Pair p = queue.poll();
            int l = p.left();
            int r = p.right();
            if (gone[l] || gone[r] || next[l] != r || vocab.id(vocab.tokens[sym[l]] + vocab.tokens[sym[r]]) != p.merged()) continue;
            sym[l] = p.merged();
            gone[r] = true;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) tryAdd(sym, prev[l], l, queue);
            if (next[l] >= 0) tryAdd(sym, l, next[l], queue);
        }
        for (int i = 0; i >= 0 && i < n; i = next[i]) out.add(sym[i]);
    }

    private void tryAdd(int[] sym, int l, int r, PriorityQueue<Pair> queue) {
        int id = vocab.id(vocab.tokens[sym[l]] + vocab.tokens[sym[r]]);
        if (id >= 0) queue.add(new Pair(l, r, vocab.scores[id], id));
    }

    @Override
    byte[] tokenBytes(int id) {
        return bytesOf[id];
    }

    @Override
    boolean stripsLeadingSpace() {
        return true;
    }
}
