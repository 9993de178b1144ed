package dev.muse.engine.bench;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code muse bench} without the CLI ({@code bench/vs-llamacpp.sh} falls back to it when no CLI jar is built):
 * {@code java --add-modules jdk.incubator.vector -cp ... dev.muse.engine.bench.BenchMain FILE [threads] [prompt-tokens]
 * [gen-tokens] [parallel e.g. 1,2,4,8] [repetitions] [depth]} prints {@link BenchResult#toJson()} on stdout, progress on stderr.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: BenchMain FILE [threads] [prompt-tokens] [gen-tokens] [parallel e.g. 1,2,4,8] [repetitions] [depth]");
            System.exit(2);
        }
        try {
            BenchOptions o = BenchOptions.defaults();
            if (args.length > 1) o = o.withThreads(Integer.parseInt(args[1]));
            if (args.length > 2) o = o.withPromptTokens(Integer.parseInt(args[2]));
            if (args.length > 3) o = o.withGenTokens(Integer.parseInt(args[3]));
            if (args.length > 4) {
                o = o.withParallel(Arrays.stream(args[4].split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::valueOf).toList());
            }
            if (args.length > 5) o = o.withRepetitions(Integer.parseInt(args[5]));
            if (args.length > 6) o = o.withDepth(Integer.parseInt(args[6]));
            System.out.println(EngineBench.run(Path.of(args[0]), o, s -> System.err.println("# " + s)).toJson());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
