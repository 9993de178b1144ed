package dev.muse.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before byte-level BPE. Some families apply several patterns in turn (llama.cpp does the
 * same): each pattern splits every piece of the previous stage, and text between matches stays a piece of its own.
 */
record PreTokenizer(String name, boolean ignoreMerges, List<Pattern> stages) {

    // \s must mean Unicode white space, as in the reference regex engines: hence UNICODE_CHARACTER_CLASS
    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS;
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    // Llama 3's tokenizer takes a word that is itself a token whole, before any merge ("ignore_merges")
    static final PreTokenizer LLAMA3 = of("llama3", true,
            CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    static final PreTokenizer QWEN2 = of("qwen2", false,
            CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    static final PreTokenizer GPT2 =
            of("gpt2", false, "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    /** SmolLM (and StarCoder-style vocabularies): every digit alone, then GPT-2's pattern. */
    static final PreTokenizer SMOLLM = of("smollm", false,
            "\\p{N}", "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private static PreTokenizer of(String name, boolean ignoreMerges, String... regexes) {
        List<Pattern> ps = new ArrayList<>();
        for (String r : regexes) ps.add(Pattern.compile(r, FLAGS));
        return new PreTokenizer(name, ignoreMerges, List.copyOf(ps));
    }

    /** The pre-tokenizer for GGUF's {@code tokenizer.ggml.pre}, or null when the name is not known. */
    static PreTokenizer forGgufName(String pre) {
        return switch (pre) {
            case "llama-bpe", "llama3", "llama-v3", "smaug-bpe", "dbrx", "falcon3" -> LLAMA3;
            case "qwen2", "deepseek-r1-qwen", "megrez" -> QWEN2;
            case "smollm", "starcoder", "refact" -> SMOLLM;
            case "default", "gpt2", "gpt-2" -> GPT2;
            default -> null;
        };
    }

    List<String> split(String text) {
        List<String> pieces = List.of(text);
        for (Pattern p : stages) {
            List<String> next = new ArrayList<>();
            for (String piece : pieces) splitOne(p, piece, next);
            pieces = next;
        }
        return pieces;
    }

    private static void splitOne(Pattern p, String text, List<String> out) {
        Matcher m = p.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) out.add(text.substring(last, m.start()));
            if (m.end() > m.start()) out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) out.add(text.substring(last));
    }
}
