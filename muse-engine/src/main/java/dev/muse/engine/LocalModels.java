package dev.muse.engine;

import dev.muse.engine.gguf.GgufFormatException;
import dev.muse.engine.model.GgufModelLoader;
import dev.muse.engine.model.Llama2cCheckpoint;
import dev.muse.engine.model.Model;
import dev.muse.engine.model.ModelFormatException;
import dev.muse.tokenizer.Tokenizer;
import dev.muse.tokenizer.Tokenizers;
import dev.muse.tokenizer.template.ChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** Loads model files for the embedded engine: GGUF (by its magic) or a llama2.c checkpoint plus its tokenizer. */
public final class LocalModels {
    private LocalModels() {}

    /**
     * @param model a {@code .gguf} file or a llama2.c {@code .bin} checkpoint
     * @param tokenizer the llama2.c tokenizer file ({@code tokenizer.bin}, {@code tok512.bin}); null for GGUF (which
     *     carries its own) or to use a llama2.c model with token ids only
     * @throws ModelFormatException when the file is not a usable model (the message says why)
     * @throws IllegalArgumentException for unsupported architectures or tensor types (the message lists the supported ones)
     */
    public static LocalModel load(Path model, Path tokenizer, EngineOptions options) {
        EngineOptions opts = options == null ? EngineOptions.defaults() : options;
        if (!Files.isRegularFile(model)) throw new ModelFormatException("model file not found: " + model);
        String name = "local:" + stripExtension(model.getFileName().toString());
        if (isGguf(model)) {
            if (tokenizer != null) {
                throw new IllegalArgumentException("a GGUF model carries its own tokenizer; drop the tokenizer argument (" + tokenizer + ")");
            }
            Model m = GgufModelLoader.load(model);
            try {
                Tokenizer tok = Tokenizers.fromGguf(m.metadata());
                ChatTemplate template = ChatTemplate.fromGguf(m.metadata());
                return new LocalModel(name, m, tok, template, tok.stopIds(), opts);
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        }
        Model m;
        try {
            m = Llama2cCheckpoint.load(model);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(model + " is neither a GGUF file (no \"GGUF\" magic) nor a usable llama2.c checkpoint: "
                    + e.getMessage(), e);
        }
        try {
            Tokenizer tok = tokenizer == null ? null : Tokenizers.llama2c(tokenizer, m.config().vocabSize());
            Set<Integer> stops = new HashSet<>();
            if (tok != null) {
                stops.addAll(tok.stopIds());
                // run.c ends a story at BOS: llama2.c models delimit sequences with it
                if (tok.bosId() >= 0) stops.add(tok.bosId());
            }
            ChatTemplate template = tok == null ? null : ChatTemplate.chatMl();
            return new LocalModel(name, m, tok, template, stops, opts);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Loads a model and returns it as a {@link dev.muse.core.ChatModel} that closes the model when closed. */
    public static LocalChatModel chatModel(Path model, Path tokenizer, EngineOptions options) {
        LocalModel m = load(model, tokenizer, options);
        try {
            return new LocalChatModel(m, true);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    static boolean isGguf(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new GgufFormatException("cannot read model file " + p + ": " + e.getMessage(), e);
        }
    }

    private static String stripExtension(String s) {
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }
}
