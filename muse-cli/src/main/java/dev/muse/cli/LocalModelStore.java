package dev.muse.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Where {@code muse pull} puts models ({@code ~/.muse/models}) and how a model name finds its file. */
final class LocalModelStore {
    private LocalModelStore() {}

    static Path dir() {
        return MuseConfig.museHome().resolve("models");
    }

    /** True when {@code model} names a file, or a model in the store, rather than a model on a server. */
    static boolean looksLocal(String model) {
        String lower = model.toLowerCase(Locale.ROOT);
        return ResolvedBackend.isFile(model) || lower.endsWith(".gguf") || lower.endsWith(".bin") || find(model) != null;
    }

    /** The file for a path or a stored model's name (with or without .gguf), or null. */
    static Path find(String model) {
        if (ResolvedBackend.isFile(model)) return Path.of(model);
        Path dir = dir();
        for (String candidate : List.of(model, model + ".gguf")) {
            try {
                Path p = dir.resolve(candidate);
                if (Files.isRegularFile(p)) return p;
            } catch (RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    static List<Path> list() {
        if (!Files.isDirectory(dir())) return List.of();
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new UserError("cannot list " + dir() + ": " + e.getMessage());
        }
    }
}
