package dev.muse.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Differential test against the reference implementation: Hugging Face {@code tokenizers} (the Rust library that
 * produced these models' tokenizer.json files), run through DJL's bundled natives, on the same synthetic vocabulary
 * and merges. Ids must be equal on the multilingual corpus and on random strings mixing scripts, digits, white space
 * kinds, contractions and emoji.
 */
class ReferenceTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    // the pre-tokenizer patterns as they appear in the models' tokenizer.json files
    private static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama-bpe, true", "qwen2, false", "default, false", "smollm, false"})
    void should_produce_the_same_ids_as_hugging_face_tokenizers(String pre, boolean ignoreMerges, @TempDir Path tmp)
            throws IOException {
        Map<String, Long> added = new LinkedHashMap<>();
        added.put("<|im_start|>", 3L);
        added.put("<|im_end|>", 3L);
        added.put("<tool_call>", 4L);
        Map<String, Object> md = TestVocabs.byteLevel(pre, TestVocabs.CORPUS + "\n" + extraTraining(), 700, added);
        @SuppressWarnings("unchecked")
        List<String> tokens = new ArrayList<>((List<String>) md.get("tokenizer.ggml.tokens"));
        @SuppressWarnings("unchecked")
        List<Long> types = new ArrayList<>((List<Long>) md.get("tokenizer.ggml.token_type"));
        // whole words no merge reaches: Llama 3 (ignore_merges) takes them as they are, the others cannot
        for (String w : List.of(" zebras", "Zebra", "qq")) {
            tokens.add(mapped(w));
            types.add(1L);
        }
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        Tokenizer ours = Tokenizers.fromGguf(md);

        @SuppressWarnings("unchecked")
        List<String> merges = (List<String>) md.get("tokenizer.ggml.merges");
        HuggingFaceTokenizer reference = reference(tmp, pre, ignoreMerges, tokens, types, merges);

        List<String> samples = new ArrayList<>(List.of(TestVocabs.CORPUS.split("\n")));
        samples.add(TestVocabs.CORPUS);
        samples.addAll(List.of("Zebra zebras qq unreachable", " zebras", "qq", "<|im_start|>user\nhi<|im_end|>\n<tool_call>{}",
                "it's IT'S It'Ll we'VE", "a\r\n\r\nb  \n  c\t\td", "  ", "\n", "x", "1234567890 12 3"));
        Random rnd = new Random(42);
        for (int i = 0; i < 400; i++) samples.add(randomText(rnd));
        int checked = 0;
        for (String s : samples) {
            long[] ref = reference.encode(s, false, false).getIds();
            int[] got = ours.encodeWithSpecialTokens(s);
            assertThat(got).as("ids for %s", JSON.writeValueAsString(s)).containsExactly(toInt(ref));
            checked++;
        }
        assertThat(checked).isEqualTo(samples.size());
    }

    /**
     * SentencePiece-style vocabulary (GGUF "llama"): the reference is the Llama 2 layout of tokenizer.json
     * (Prepend + Replace normalizers, BPE with byte fallback), whose merges list every split of every piece ordered
     * by the piece's score, as transformers' converter writes them.
     */
    @org.junit.jupiter.api.Test
    void should_produce_the_same_ids_as_hugging_face_tokenizers_for_a_sentencepiece_vocabulary(@TempDir Path tmp)
            throws IOException {
        String train = TestVocabs.CORPUS.substring(0, TestVocabs.CORPUS.indexOf("Emoji")) + extraTraining();
        List<String> learned = trainCodePointMerges(train, 500);
        LinkedHashMap<String, Double> pieces = new LinkedHashMap<>();
        train.replace(' ', '▁').codePoints().distinct().sorted()
                .forEach(cp -> pieces.put(new String(Character.toChars(cp)), -1000.0));
        pieces.putIfAbsent("▁", -1000.0);
        for (int r = 0; r < learned.size(); r++) pieces.putIfAbsent(learned.get(r).replace(" ", ""), (double) -r);
        Map<String, Long> added = new LinkedHashMap<>();
        added.put("[INST]", 3L);
        added.put("[/INST]", 3L);
        Map<String, Object> md = TestVocabs.sentencePiece(pieces, added);
        Tokenizer ours = Tokenizers.fromGguf(md);

        @SuppressWarnings("unchecked")
        List<String> tokens = (List<String>) md.get("tokenizer.ggml.tokens");
        @SuppressWarnings("unchecked")
        List<Double> scores = (List<Double>) md.get("tokenizer.ggml.scores");
        @SuppressWarnings("unchecked")
        List<Long> types = (List<Long>) md.get("tokenizer.ggml.token_type");
        Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < tokens.size(); i++) ids.put(tokens.get(i), i);
        record Merge(String text, double score, int left, int right) {}
        List<Merge> all = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (types.get(i) != 1L) continue;
            String p = tokens.get(i);
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(p.substring(0, k));
                Integer r = ids.get(p.substring(k));
                if (l != null && r != null && types.get(l) == 1L && types.get(r) == 1L) {
                    all.add(new Merge(p.substring(0, k) + " " + p.substring(k), scores.get(i), l, r));
                }
            }
        }
        all.sort(java.util.Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::left).thenComparingInt(Merge::right));
        List<String> merges = all.stream().map(Merge::text).toList();

        Map<String, Object> vocab = new LinkedHashMap<>();
        List<Object> addedTokens = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), i);
            if (types.get(i) == 3L || types.get(i) == 2L) {
                addedTokens.add(Map.of("id", i, "content", tokens.get(i), "single_word", false, "lstrip", false,
                        "rstrip", false, "normalized", false, "special", true));
            }
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", "<unk>");
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("vocab", vocab);
        model.put("merges", merges);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", addedTokens);
        root.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Prepend", "prepend", "▁"),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "▁"))));
        root.put("pre_tokenizer", null);
        root.put("post_processor", null);
        root.put("decoder", null);
        root.put("model", model);
        Path file = tmp.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), root);
        HuggingFaceTokenizer reference = load(file);

        List<String> samples = new ArrayList<>(List.of(TestVocabs.CORPUS.split("\n")));
        samples.addAll(List.of("[INST] Hello [/INST] world", "[INST]x[/INST]", " leading", "a  b", "the theme"));
        Random rnd = new Random(7);
        for (int i = 0; i < 400; i++) samples.add(randomText(rnd).replace("<|im_end|>", "[INST]").replace("<tool_call>", "[/INST]"));
        for (String s : samples) {
            long[] ref = reference.encode(s, false, false).getIds();
            assertThat(ours.encodeWithSpecialTokens(s)).as("ids for %s", JSON.writeValueAsString(s)).containsExactly(toInt(ref));
        }
    }

    /** BPE merges over code points of '▁'-escaped words (SentencePiece's alphabet is characters, not bytes). */
    private static List<String> trainCodePointMerges(String text, int numMerges) {
        Map<List<String>, Integer> words = new java.util.HashMap<>();
        for (String w : text.split(" ")) {
            if (w.isEmpty()) continue;
            List<String> syms = new ArrayList<>();
            ("▁" + w).codePoints().forEach(cp -> syms.add(new String(Character.toChars(cp))));
            words.merge(syms, 1, Integer::sum);
        }
        List<String> merges = new ArrayList<>();
        for (int k = 0; k < numMerges; k++) {
            java.util.TreeMap<String, Integer> counts = new java.util.TreeMap<>();
            words.forEach((syms, c) -> {
                for (int i = 0; i + 1 < syms.size(); i++) counts.merge(syms.get(i) + " " + syms.get(i + 1), c, Integer::sum);
            });
            String best = counts.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder()))).map(Map.Entry::getKey).orElse(null);
            if (best == null) break;
            merges.add(best);
            String[] lr = best.split(" ");
            Map<List<String>, Integer> next = new java.util.HashMap<>();
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

    private static String extraTraining() {
        return "the theme then there these unreachable reachable 2024 1999 it's don't won't ÄÖÜ äöü 東京 大阪";
    }

    private static String mapped(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) sb.append(ByteUnicode.charOf(b));
        return sb.toString();
    }

    private static int[] toInt(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    private static final String[] ALPHABET = {
        "a", "b", "e", "t", "h", "Z", "Q", "'", "'s", "'LL", "'ve", "0", "1", "7", "42", " ", " ", "  ", "\n", "\r\n", "\t",
        "\u00a0", "\u3000", ".", ",", "!", "?", "-", "(", ")", "{", "}", "\"", "#", "é", "e\u0301", "ß", "ü", "日", "本",
        "語", "한", "ไ", "ع", "ह\u093f", "😀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "𝔘", "²", "١", "Ⅻ", "_", "\\", "<", ">",
        "<|im_end|>", "<tool_call>"
    };

    private static String randomText(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(25);
        for (int i = 0; i < n; i++) sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
        return sb.toString();
    }

    private static HuggingFaceTokenizer reference(Path tmp, String pre, boolean ignoreMerges, List<String> tokens,
            List<Long> types, List<String> merges) throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<Object> addedTokens = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), i);
            long type = types.get(i);
            if (type == 3L || type == 4L) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("id", i);
                a.put("content", tokens.get(i));
                a.put("single_word", false);
                a.put("lstrip", false);
                a.put("rstrip", false);
                a.put("normalized", false);
                a.put("special", type == 3L);
                addedTokens.add(a);
            }
        }
        Object preTokenizer = switch (pre) {
            case "llama-bpe", "qwen2" -> Map.of("type", "Sequence", "pretokenizers", List.of(
                    Map.of("type", "Split", "pattern", Map.of("Regex", pre.equals("qwen2") ? QWEN2_REGEX : LLAMA3_REGEX),
                            "behavior", "Isolated", "invert", false),
                    Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", false)));
            // SmolLM: every digit alone, then GPT-2's byte-level split
            case "smollm" -> Map.of("type", "Sequence", "pretokenizers", List.of(
                    Map.of("type", "Digits", "individual_digits", true),
                    Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", true)));
            default -> Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", true);
        };
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", ignoreMerges);
        model.put("vocab", vocab);
        model.put("merges", merges);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", addedTokens);
        root.put("normalizer", null);
        root.put("pre_tokenizer", preTokenizer);
        root.put("post_processor", null);
        root.put("decoder", Map.of("type", "ByteLevel", "add_prefix_space", true, "trim_offsets", true, "use_regex", true));
        root.put("model", model);
        Path file = tmp.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), root);
        return load(file);
    }

    private static HuggingFaceTokenizer load(Path file) throws IOException {
        try {
            return HuggingFaceTokenizer.newInstance(file);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            assumeTrue(false, "skipped: the Hugging Face tokenizers natives do not load on this platform: " + e);
            throw e;
        }
    }
}
