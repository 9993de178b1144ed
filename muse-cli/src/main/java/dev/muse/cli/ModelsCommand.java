package dev.muse.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "models", mixinStandardHelpOptions = true, description = "List the models downloaded with `muse pull` (in ~/.muse/models).")
final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        List<Path> models = LocalModelStore.list();
        if (models.isEmpty()) {
            System.err.println("no models in " + LocalModelStore.dir() + " — get one with: muse pull org/repo/file.gguf");
            return 0;
        }
        for (Path p : models) {
            System.out.println(String.format(Locale.ROOT, "%-60s %,10d MB", p.getFileName(), Files.size(p) >> 20));
        }
        return 0;
    }
}
