package dev.muse.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text into plain fragments and whole special tokens: at each position the longest special token that
 * starts there wins, scanning left to right.
 */
final class SpecialTokenMatcher {

    /** A fragment of text: either plain text ({@code id < 0}) or one special token. */
    record Fragment(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private record Entry(String text, int id) {}

    private final Map<Character, List<Entry>> byFirstChar = new HashMap<>();

    SpecialTokenMatcher(Vocab vocab, List<Integer> ids) {
        for (int id : ids) {
            String t = vocab.tokens[id];
            if (t.isEmpty()) continue;
            byFirstChar.computeIfAbsent(t.charAt(0), c -> new ArrayList<>()).add(new Entry(t, id));
        }
        for (List<Entry> l : byFirstChar.values()) {
            l.sort(Comparator.comparingInt((Entry e) -> e.text().length()).reversed());
        }
    }

    List<Fragment> split(String text) {
        List<Fragment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) out.add(new Fragment(text, -1));
            return out;
        }
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            List<Entry> candidates = byFirstChar.get(text.charAt(i));
            Entry hit = null;
            if (candidates != null) {
                for (Entry e : candidates) {
                    if (text.startsWith(e.text(), i)) {
                        hit = e;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (i > start) out.add(new Fragment(text.substring(start, i), -1));
            out.add(new Fragment(hit.text(), hit.id()));
            i += hit.text().length();
            start = i;
        }
        if (start < text.length()) out.add(new Fragment(text.substring(start), -1));
        return out;
    }
}
