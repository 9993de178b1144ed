package dev.muse.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE (GPT-2, Llama 3, Qwen2/3, SmolLM): text is split into words by the family's pre-tokenizer, each
 * word's UTF-8 bytes start as one symbol each, and adjacent symbols merge by merge rank (lowest first, leftmost on
 * ties) until no listed merge applies.
 */
final class ByteLevelBpeTokenizer extends BaseTokenizer {
    private static final int CACHE_LIMIT = 100_000;

    private final PreTokenizer preTokenizer;
    private final MergeTable merges;
    private final int[] byteToken = new int[256];
    private final byte[][] bytesOf;
    private final int unk;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();

    ByteLevelBpeTokenizer(Vocab vocab, Specials specials, List<String> mergeLines, PreTokenizer preTokenizer) {
        super(vocab, specials);
        this.preTokenizer = preTokenizer;
        for (int b = 0; b < 256; b++) byteToken[b] = vocab.id(String.valueOf(ByteUnicode.charOf(b)));
        this.merges = new MergeTable(mergeLines.size());
        int rank = 0;
        for (String line : mergeLines) {
            int sp = line.indexOf(' ', 1);
            if (sp < 0) throw new IllegalArgumentException("BPE merge #" + rank + " is not two tokens separated by a space: '" + line + "'");
            String left = line.substring(0, sp);
            String right = line.substring(sp + 1);
            int l = vocab.id(left);
            int r = vocab.id(right);
            int m = vocab.id(left + right);
            if (l >= 0 && r >= 0 && m >= 0) merges.put(l, r, rank, m);
            rank++;
        }
        this.bytesOf = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) bytesOf[id] = computeBytes(id);
        int u = vocab.idsOfType(TokenType.UNKNOWN).stream().findFirst().orElse(-1);
        this.unk = u;
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : preTokenizer.split(text)) {
            int[] ids = wordCache.get(word);
            if (ids == null) {
                ids = bpe(word);
                if (wordCache.size() >= CACHE_LIMIT) wordCache.clear();
                wordCache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    private int[] bpe(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        if (preTokenizer.ignoreMerges()) {
            StringBuilder mapped = new StringBuilder(bytes.length);
            for (byte b : bytes) mapped.append(ByteUnicode.charOf(b));
            int whole = vocab.id(mapped.toString());
            if (whole >= 0 && vocab.type(whole) != TokenType.CONTROL) return new int[] {whole};
        }
        int[] sym = new int[bytes.length];
        int n = 0;
        for (byte b : bytes) {
            int id = byteToken[b & 0xFF];
            sym[n++] = id >= 0 ? id : unk;
        }
        n = n <= LONG_WORD ? mergeByScan(sym, n) : mergeByQueue(sym, n);
        IntList out = new IntList();
        for (int i = 0; i < n; i++) if (sym[i] >= 0) out.add(sym[i]);
        return out.toArray();
    }

    /** Words up to this many bytes merge by rescanning (fast for short words); longer ones through a queue. */
    static final int LONG_WORD = 48;

    /** Repeatedly merges the lowest-ranked adjacent pair (leftmost on ties); returns the new symbol count. */
    int mergeByScan(int[] sym, int n) {
        while (n > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            int bestSlot = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (sym[i] < 0 || sym[i + 1] < 0) continue;
                int slot = merges.find(sym[i], sym[i + 1]);
                if (slot >= 0 && merges.rankAt(slot) < bestRank) {
                    bestRank = merges.rankAt(slot);
                    best = i;
                    bestSlot = slot;
                }
            }
            if (best < 0) break;
            sym[best] = merges.resultAt(bestSlot);
            System.arraycopy(sym, best + 2, sym, best + 1, n - best - 2);
            n--;
        }
        return n;
    }

    /**
     * The same merges in O(n log n) for long words (a 100k-letter "word" must not take minutes): candidate pairs
     * in a heap ordered by (rank, position), symbols in a linked list, stale candidates skipped.
     */
    int mergeByQueue(int[] sym, int n) {
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // a candidate packs rank (high bits) and left position (low bits), so the smallest long is the one to merge
        java.util.PriorityQueue<Long> heap = new java.util.PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) offer(heap, sym, i, i + 1);
        while (!heap.isEmpty()) {
            long c = heap.poll();
            int left = (int) (c & 0xFFFFFFFFL);
            int right = next[left];
            if (sym[left] < 0 || right < 0) continue;
            int slot = sym[right] < 0 ? -1 : merges.find(sym[left], sym[right]);
            if (slot < 0 || merges.rankAt(slot) != (int) (c >>> 32)) continue; // stale: a neighbour changed
            sym[left] = merges.resultAt(slot);
            sym[right] = REMOVED;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) offer(heap, sym, prev[left], left);
            if (next[left] >= 0) offer(heap, sym, left, next[left]);
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) sym[m++] = sym[i];
        return m;
    }

    private static final int REMOVED = Integer.MIN_VALUE;

    private void offer(java.util.PriorityQueue<Long> heap, int[] sym, int left, int right) {
        if (sym[left] < 0 || sym[right] < 0) return;
        int slot = merges.find(sym[left], sym[right]);
        if (slot >= 0) heap.add(((long) merges.rankAt(slot) << 32) | left);
    }

    private byte[] computeBytes(int id) {
        String t = vocab.tokens[id];
        return switch (vocab.type(id)) {
            case CONTROL -> new byte[0];
            // added tokens are stored as raw text, not in the byte-to-character alphabet
            case USER_DEFINED, UNKNOWN -> t.getBytes(StandardCharsets.UTF_8);
            default -> mappedToBytes(t);
        };
    }

    private static byte[] mappedToBytes(String t) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(t.length());
        for (int i = 0; i < t.length(); i++) {
            int b = ByteUnicode.byteOf(t.charAt(i));
            if (b >= 0) {
                out.write(b);
            } else {
                // not in the byte alphabet (a vocabulary quirk): keep the character itself
                int cp = t.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                if (Character.isSupplementaryCodePoint(cp)) i++;
            }
        }
        return out.toByteArray();
    }

    @Override
    byte[] tokenBytes(int id) {
        return bytesOf[id];
    }

    @Override
    boolean stripsLeadingSpace() {
        return false;
    }
}
