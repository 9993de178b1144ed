package dev.muse.cli;

import dev.muse.engine.EngineOptions;
import dev.muse.engine.LocalModels;
import dev.muse.engine.model.ModelFormatException;
import java.nio.file.Path;

/** The embedded engine: a GGUF (or llama2.c) file run in-process. */
final class LocalBackend {
    private LocalBackend() {}

    static Backends.Opened open(ResolvedBackend b) {
        Path file = LocalModelStore.find(b.model());
        if (file == null) {
            throw new UserError("model file not found: '" + b.model() + "' (give a path to a .gguf file, or a name from `muse models`)");
        }
        try {
            var model = LocalModels.chatModel(file, b.tokenizer(), engineOptions(b.threads(), b.context()));
            return new Backends.Opened(model, file.getFileName().toString());
        } catch (ModelFormatException | IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new UserError("cannot load " + file + ": " + e.getMessage());
        }
    }

    static EngineOptions engineOptions(Integer threads, Integer context) {
        EngineOptions o = EngineOptions.defaults();
        if (threads != null) o = o.withThreads(threads);
        if (context != null) o = o.withContextLength(context);
        return o;
    }
}
