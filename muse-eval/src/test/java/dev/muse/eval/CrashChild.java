package dev.muse.eval;

import dev.muse.backends.OpenAiChatModel;
import dev.muse.backends.OpenAiConfig;
import dev.muse.reasoning.Mode;
import java.nio.file.Path;
import java.util.List;

/** Runs an evaluation in its own JVM so a test can kill it with SIGKILL mid-run. Args: baseUrl, data file, out dir. */
public final class CrashChild {
    public static void main(String[] args) {
        EvalConfig config = EvalConfig.builder("custom", Path.of(args[1])).outDir(Path.of(args[2])).modes(List.of(Mode.INSTANT))
                .probes(false).concurrency(4).retries(0).build();
        EvalRunner.run(config, new OpenAiChatModel(OpenAiConfig.of(args[0], "k", "stand-in")), null, null);
    }
}
