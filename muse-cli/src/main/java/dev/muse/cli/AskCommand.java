package dev.muse.cli;

import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ContentPart;
import dev.muse.reasoning.RunOptions;
import dev.muse.reasoning.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ask", mixinStandardHelpOptions = true, description = "Ask one question in a mode and print the answer.", sortOptions = false)
final class AskCommand implements Callable<Integer> {
    @Parameters(paramLabel = "QUESTION", arity = "0..*", description = "The question (or '-' to read it from stdin).")
    List<String> words;

    @Mixin
    RunFlags run;

    @Option(names = "--image", paramLabel = "FILE", description = "Attach an image (PNG, JPEG, GIF, WebP); repeatable.")
    List<Path> images;

    @Option(names = "--json", description = "Print one JSON object: answer, mode, usage, agents, consensus, elapsed_ms.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "Do not show progress on stderr.")
    boolean quiet;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        String question = question();
        MuseConfig config = MuseConfig.load(backend.config);
        RunOptions options = run.toOptions(config);
        List<ContentPart.Image> attached = readImages(images);
        try (Wiring wiring = Wiring.open(backend, config, options.tools())) {
            Cancellation cancel = new Cancellation();
            Thread hook = new Thread(() -> cancel.cancel("interrupted (Ctrl-C)"));
            Runtime.getRuntime().addShutdownHook(hook);
            ConsoleRenderer renderer = new ConsoleRenderer(System.err, Terminal.colorOnStderr(), quiet);
            RunResult r = wiring.muse().run(List.of(ChatMessage.user(question, attached)), options.withTools(wiring.enabledTools()), renderer, cancel);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
            if (json) {
                System.out.println(RunJson.MAPPER.writeValueAsString(RunJson.of(r)));
            } else {
                System.out.println(r.answer());
                if (!quiet) System.err.println(Terminal.summary(r));
            }
            return 0;
        }
    }

    private String question() throws IOException {
        String q = words == null ? "" : String.join(" ", words).strip();
        if (q.equals("-")) q = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (q.isEmpty()) throw new UserError("the question is empty: muse ask \"your question\" (or '-' to read stdin)");
        return q;
    }

    static List<ContentPart.Image> readImages(List<Path> files) {
        List<ContentPart.Image> out = new ArrayList<>();
        if (files == null) return out;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new UserError("image not found: " + f);
            String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
            String mime = name.endsWith(".png") ? "image/png"
                    : name.endsWith(".jpg") || name.endsWith(".jpeg") ? "image/jpeg"
                    : name.endsWith(".gif") ? "image/gif"
                    : name.endsWith(".webp") ? "image/webp" : null;
            if (mime == null) throw new UserError("unsupported image type: " + f + " (use PNG, JPEG, GIF or WebP)");
            try {
                long size = Files.size(f);
                if (size > 20L * 1024 * 1024) throw new UserError("image too large: " + f + " is " + size / (1024 * 1024) + " MB (limit 20 MB)");
                out.add(ContentPart.Image.ofBytes(mime, Files.readAllBytes(f)));
            } catch (IOException e) {
                throw new UserError("cannot read image " + f + ": " + e.getMessage());
            }
        }
        return out;
    }
}
