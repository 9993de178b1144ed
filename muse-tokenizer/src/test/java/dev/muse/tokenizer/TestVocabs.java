package dev.muse.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds GGUF-style tokenizer metadata for synthetic vocabularies (the shapes the engine's GGUF reader yields). */
final class TestVocabs {
    private TestVocabs() {}

    static final String CORPUS = String.join("\n",
            "Hello world! The quick brown fox jumps over the lazy dog; it's 2024-07-26, I'd say we'll've won 1234567 times.",
            "Grüße aus Köln — café, naïve, résumé, Ærøskøbing, ĳssel, straße.",
            "Tiếng Việt có dấu: Tiếng Việt (decomposed: Tie\u0302\u0301ng Vie\u0323\u0302t).",
            "日本語のテキストと中文文本，还有한국어 텍스트。漢字かな交じり文。",
            "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 ❤️ 🤖✨ and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝟙𝟚𝟛.",
            "Ελληνικά, русский текст, עברית, العربية مع التشكيل: مُحَمَّد, हिन्दी में लिखा, ภาษาไทย.",
            "Combining marks: e\u0301 a\u0308 n\u0303 Z\u0335\u0321a\u0336l\u0337g\u0338o\u0334 and zero-width\u200bspace\u200d.",
            "def fib(n: int) -> int:\n\tif n < 2:\n\t\treturn n  # base case\n    return fib(n - 1) + fib(n - 2)\n",
            "for (int i = 0; i < 10; i++) { sum += a[i] * 0x1F; } // C-style\r\n",
            "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\", \"days\": 3}}",
            "   leading spaces, trailing spaces   \n\n\n  \t mixed \u00a0 nbsp \u3000 ideographic space",
            "Literal markup: <|im_start|>user\n<think>hmm</think><|eot_id|> <s> </s> <0x41>",
            "Numbers: 3.14159 1,000,000 ١٢٣ ๑๒๓ ²³ ½ Ⅻ");

    /** GPT-2 style metadata: 256 byte tokens, merges learned from {@code trainText}, then the given added tokens. */
    static Map<String, Object> byteLevel(String pre, String trainText, int numMerges, Map<String, Long> addedTokens) {
        List<String> tokens = new ArrayList<>();
        List<Long> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteUnicode.charOf(b)));
            types.add(1L);
        }
        List<String> merges = trainMerges(PreTokenizer.forGgufName(pre), trainText, numMerges);
        for (String m : merges) {
            String merged = m.replace(" ", "");
            if (!tokens.contains(merged)) {
                tokens.add(merged);
                types.add(1L);
            }
        }
        addedTokens.forEach((text, type) -> {
            tokens.add(text);
            types.add(type);
        });
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", pre);
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.merges", merges);
        return md;
    }

    /** A small byte-level BPE trainer: repeatedly merges the most frequent adjacent pair (ties: smallest pair). */
    static List<String> trainMerges(PreTokenizer pre, String text, int numMerges) {
        Map<List<String>, Integer> words = new HashMap<>();
        for (String w : pre.split(text)) {
            List<String> syms = new ArrayList<>();
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) syms.add(String.valueOf(ByteUnicode.charOf(b)));
            words.merge(syms, 1, Integer::sum);
        }
        List<String> merges = new ArrayList<>();
        for (int k = 0; k < numMerges; k++) {
            TreeMap<String, Integer> counts = new TreeMap<>();
            words.forEach((syms, c) -> {
                for (int i = 0; i + 1 < syms.size(); i++) counts.merge(syms.get(i) + " " + syms.get(i + 1), c, Integer::sum);
            });
            if (counts.isEmpty()) break;
            String best = null;
            int bestCount = 0;
            for (var e : counts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            merges.add(best);
            String[] lr = best.split(" ");
            Map<List<String>, Integer> next = new HashMap<>();
            words.forEach((syms, c) -> {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < syms.size(); i++) {
                    if (i + 1 < syms.size() && syms.get(i).equals(lr[0]) && syms.get(i + 1).equals(lr[1])) {
                        out.add(lr[0] + lr[1]);
                        i++;
                    } else {
                        out.add(syms.get(i));
                    }
                }
                next.merge(out, c, Integer::sum);
            });
            words = next;
        }
        return merges;
    }

    /**
     * SentencePiece-style metadata: {@code <unk> <s> </s>}, the 256 byte tokens, then the given pieces with the given
     * scores (pieces use '▁' for space).
     */
    static Map<String, Object> sentencePiece(LinkedHashMap<String, Double> pieces, Map<String, Long> addedTokens) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Double> scores = new ArrayList<>(List.of(0.0, 0.0, 0.0));
        List<Long> types = new ArrayList<>(List.of(2L, 3L, 3L));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            scores.add(0.0);
            types.add(6L);
        }
        pieces.forEach((p, s) -> {
            tokens.add(p);
            scores.add(s);
            types.add(1L);
        });
        addedTokens.forEach((p, t) -> {
            tokens.add(p);
            scores.add(0.0);
            types.add(t);
        });
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "llama");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.scores", scores);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.bos_token_id", 1L);
        md.put("tokenizer.ggml.eos_token_id", 2L);
        return md;
    }

    /** Every substring (up to {@code maxLen} code points) of the words of {@code text}, longer ones scoring higher. */
    static LinkedHashMap<String, Double> piecesFrom(String text, int maxLen) {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        for (String word : text.split("\\s+")) {
            String w = "▁" + word;
            int[] cps = w.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                for (int j = i + 1; j <= Math.min(cps.length, i + maxLen); j++) {
                    String p = new String(cps, i, j - i);
                    // a deterministic score: longer pieces first, then an arbitrary but fixed order
                    out.putIfAbsent(p, (double) (j - i) - (Math.floorMod(p.hashCode(), 1000) / 1000.0));
                }
            }
        }
        return out;
    }
}
