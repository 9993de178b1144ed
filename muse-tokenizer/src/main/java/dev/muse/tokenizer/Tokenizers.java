package dev.muse.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds tokenizers from a GGUF file's metadata or from a llama2.c tokenizer file. */
public final class Tokenizers {
    private static final System.Logger LOG = System.getLogger(Tokenizers.class.getName());

    private Tokenizers() {}

    /**
     * The tokenizer a GGUF file embeds. Metadata values follow the engine's GGUF reader: strings are
     * {@code String}, integers {@code Long}, floats {@code Double}, booleans {@code Boolean}, arrays {@code List}.
     *
     * @throws IllegalArgumentException naming the missing or malformed key when the metadata cannot describe a
     *     supported tokenizer
     */
    public static Tokenizer fromGguf(Map<String, Object> metadata) {
        GgufKeys md = new GgufKeys(metadata);
        String model = md.string("tokenizer.ggml.model", null);
        if (model == null) {
            throw new IllegalArgumentException("this GGUF file has no tokenizer (metadata key tokenizer.ggml.model is "
                    + "missing); use a GGUF converted with its tokenizer, as llama.cpp's convert_hf_to_gguf.py does");
        }
        List<String> tokens = md.stringList("tokenizer.ggml.tokens");
        int n = tokens.size();
        float[] scores = md.floatArray("tokenizer.ggml.scores", n);
        TokenType[] types = md.typeArray("tokenizer.ggml.token_type", n);
        Vocab vocab = new Vocab(tokens.toArray(String[]::new), scores, types);
        Set<Integer> extraStops = new HashSet<>();
        for (String k : List.of("tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
            int id = md.intValue(k, -1);
            if (id >= 0) extraStops.add(id);
        }
        return switch (model) {
            case "gpt2" -> {
                String pre = md.string("tokenizer.ggml.pre", "default");
                PreTokenizer preTokenizer = PreTokenizer.forGgufName(pre);
                if (preTokenizer == null) {
                    LOG.log(System.Logger.Level.WARNING,
                            "unknown pre-tokenizer ''{0}'' in tokenizer.ggml.pre; using Llama 3''s pattern, ids may "
                                    + "differ from the reference tokenizer", pre);
                    preTokenizer = PreTokenizer.LLAMA3;
                }
                var specials = new BaseTokenizer.Specials(
                        md.intValue("tokenizer.ggml.bos_token_id", -1),
                        md.intValue("tokenizer.ggml.eos_token_id", -1),
                        extraStops,
                        md.bool("tokenizer.ggml.add_bos_token", false));
                yield new ByteLevelBpeTokenizer(vocab, specials, md.stringList("tokenizer.ggml.merges"), preTokenizer);
            }
            case "llama" -> {
                var specials = new BaseTokenizer.Specials(
                        md.intValue("tokenizer.ggml.bos_token_id", 1),
                        md.intValue("tokenizer.ggml.eos_token_id", 2),
                        extraStops,
                        md.bool("tokenizer.ggml.add_bos_token", true));
                yield new SentencePieceTokenizer(vocab, specials, md.bool("tokenizer.ggml.add_space_prefix", true));
            }
            default -> throw new IllegalArgumentException("unsupported tokenizer model '" + model
                    + "' (tokenizer.ggml.model); supported: gpt2 (byte-level BPE: Llama 3, Qwen2/3, SmolLM) and "
                    + "llama (SentencePiece-style: Llama 2, TinyLlama, Mistral)");
        };
    }

    /**
     * Reads a llama2.c tokenizer file ({@code tokenizer.bin}, {@code tok512.bin}): int32 max token length, then
     * per token float32 score, int32 byte length and the UTF-8 bytes, all little-endian.
     *
     * @param vocabSize the checkpoint's vocabulary size (the file holds exactly that many entries)
     * @throws java.io.UncheckedIOException when the file cannot be read
     * @throws IllegalArgumentException when it is truncated or malformed
     */
    public static Tokenizer llama2c(Path tokBin, int vocabSize) {
        if (vocabSize < 3) throw new IllegalArgumentException("vocabulary size must be at least 3 (unk, BOS, EOS), got " + vocabSize);
        ByteBuffer buf;
        try {
            buf = ByteBuffer.wrap(Files.readAllBytes(tokBin)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the llama2.c tokenizer " + tokBin + ": " + e.getMessage(), e);
        }
        String[] tokens = new String[vocabSize];
        float[] scores = new float[vocabSize];
        TokenType[] types = new TokenType[vocabSize];
        var utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            buf.getInt(); // max token length: only run.c's buffer sizing needs it
            for (int i = 0; i < vocabSize; i++) {
                scores[i] = buf.getFloat();
                int len = buf.getInt();
                if (len < 0 || len > buf.remaining()) {
                    throw new IllegalArgumentException(tokBin + ": token " + i + " claims " + len
                            + " bytes but the file has " + buf.remaining() + " left; is this a llama2.c tokenizer file "
                            + "for a " + vocabSize + "-token model?");
                }
                ByteBuffer slice = buf.slice(buf.position(), len);
                buf.position(buf.position() + len);
                try {
                    tokens[i] = utf8.decode(slice).toString();
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException(tokBin + ": token " + i + " is not valid UTF-8");
                }
                types[i] = i == 0 ? TokenType.UNKNOWN
                        : i <= 2 ? TokenType.CONTROL
                        : BaseTokenizer.byteTokenValue(tokens[i]) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException(tokBin + " ends before its " + vocabSize
                    + " tokens are read; the file is truncated or the vocabulary size is wrong");
        }
        return new Llama2cTokenizer(new Vocab(tokens, scores, types));
    }

    /** Typed access to the metadata map with messages that name the key. */
    private record GgufKeys(Map<String, Object> md) {
        String string(String key, String dflt) {
            Object v = md.get(key);
            if (v == null) return dflt;
            if (v instanceof String s) return s;
            throw wrongType(key, "a string", v);
        }

        int intValue(String key, int dflt) {
            Object v = md.get(key);
            if (v == null) return dflt;
            if (v instanceof Number num) return Math.toIntExact(num.longValue());
            throw wrongType(key, "an integer", v);
        }

        boolean bool(String key, boolean dflt) {
            Object v = md.get(key);
            if (v == null) return dflt;
            if (v instanceof Boolean b) return b;
            throw wrongType(key, "a boolean", v);
        }

        List<String> stringList(String key) {
            Object v = md.get(key);
            if (v == null) throw new IllegalArgumentException("GGUF metadata key " + key + " is missing; the file's tokenizer is incomplete");
            if (!(v instanceof List<?> l)) throw wrongType(key, "an array of strings", v);
            for (Object o : l) if (!(o instanceof String)) throw wrongType(key, "an array of strings", o);
            @SuppressWarnings("unchecked")
            List<String> s = (List<String>) l;
            return s;
        }

        float[] floatArray(String key, int n) {
            float[] out = new float[n];
            Object v = md.get(key);
            if (v == null) return out;
            if (!(v instanceof List<?> l) || l.size() != n) throw wrongType(key, "an array of " + n + " numbers", v);
            for (int i = 0; i < n; i++) {
                if (!(l.get(i) instanceof Number num)) throw wrongType(key, "an array of numbers", l.get(i));
                out[i] = num.floatValue();
            }
            return out;
        }

        TokenType[] typeArray(String key, int n) {
            TokenType[] out = new TokenType[n];
            java.util.Arrays.fill(out, TokenType.NORMAL);
            Object v = md.get(key);
            if (v == null) return out;
            if (!(v instanceof List<?> l) || l.size() != n) throw wrongType(key, "an array of " + n + " integers", v);
            for (int i = 0; i < n; i++) {
                if (!(l.get(i) instanceof Number num)) throw wrongType(key, "an array of integers", l.get(i));
                out[i] = TokenType.of(num.longValue());
            }
            return out;
        }

        private static IllegalArgumentException wrongType(String key, String expected, Object got) {
            String what = got instanceof List<?> l ? "an array of " + l.size() : got.getClass().getSimpleName();
            return new IllegalArgumentException("GGUF metadata key " + key + " should be " + expected + " but is " + what
                    + "; the file's tokenizer metadata is malformed");
        }
    }
}
