package dev.muse.cli;

import dev.muse.engine.bench.BenchOptions;
import dev.muse.engine.bench.BenchResult;
import dev.muse.engine.bench.EngineBench;
import dev.muse.engine.model.ModelFormatException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the embedded engine on a model file: prompt and generation tokens/s, and generation with N sequences decoded together, each after its own copy of the prompt.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A GGUF file or a name from `muse models`.")
    String model;

    @Option(names = "--threads", paramLabel = "T", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "512", description = "Prompt length (default 512).")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "128", description = "Tokens generated per run (default 128).")
    int genTokens;

    @Option(names = "--parallel", paramLabel = "1,2,4", split = ",", defaultValue = "1,2,4,8,16", description = "Sequence counts decoded together (each continues after the prompt, as llama-batched-bench).")
    List<Integer> parallel;

    @Option(names = "--repetitions", paramLabel = "N", defaultValue = "3", description = "Runs per figure; the median is reported.")
    int repetitions;

    @Option(names = "--depth", paramLabel = "N", defaultValue = "0", description = "Also measure one sequence's generation after N positions of context, as llama-bench's -d (default 0: not measured).")
    int depth;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Path file = LocalModelStore.find(model);
        if (file == null) throw new UserError("model file not found: " + model);
        BenchOptions opts;
        try {
            opts = BenchOptions.defaults().withPromptTokens(promptTokens).withGenTokens(genTokens).withParallel(parallel)
                    .withRepetitions(repetitions).withDepth(depth);
            if (threads != null) opts = opts.withThreads(threads);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        BenchResult r;
        try {
            r = EngineBench.run(file, opts, line -> System.err.println(line));
        } catch (ModelFormatException | IllegalArgumentException e) {
            throw new UserError("cannot benchmark " + file + ": " + e.getMessage());
        }
        if (json) {
            System.out.println(r.toJson());
            return 0;
        }
        System.out.println(String.format(Locale.ROOT, "%s (%s), %d threads, %d-bit vectors", r.model(), r.weightType(), r.threads(), r.vectorBits()));
        System.out.println(String.format(Locale.ROOT, "warm-up     %8.1f s before timing (until the JIT had gone quiet; a fresh JVM is slower meanwhile)", r.warmUpSeconds()));
        System.out.println(String.format(Locale.ROOT, "prompt      %8.1f tokens/s  (%d tokens)", r.promptTokensPerS(), r.promptTokens()));
        System.out.println(String.format(Locale.ROOT, "generation  %8.1f tokens/s  (%d tokens; %.0f%% of the memory-bandwidth ceiling)",
                r.genTokensPerS(), r.genTokens(), 100 * r.bandwidthFraction()));
        if (r.depth() > 0) {
            System.out.println(String.format(Locale.ROOT, "at depth    %8.1f tokens/s  (%d tokens after %d positions of context)",
                    r.genAtDepthTokensPerS(), r.genTokens(), r.depth()));
        }
        for (Map.Entry<Integer, BenchResult.Parallel> e : r.parallel().entrySet()) {
            System.out.println(String.format(Locale.ROOT, "parallel %2d %8.1f tokens/s in aggregate, %.1f per sequence",
                    e.getKey(), e.getValue().aggregateTokensPerS(), e.getValue().perSequenceTokensPerS()));
        }
        // which of two bit-identical batch kernels each type kept in this JVM (the JIT compiles them unevenly)
        for (Map.Entry<String, BenchResult.BatchKernel> e : r.batchKernels().entrySet()) {
            BenchResult.BatchKernel k = e.getValue();
            System.out.println(k.samples() == 0
                    ? "batch kernel " + e.getKey() + ": undecided (the JIT was still compiling; no timing yet)"
                    : String.format(Locale.ROOT, "batch kernel %s: %s (%s took %.2f× the time of %s, %d samples)",
                            e.getKey(), k.choice(), k.kernels().get(0), k.timeRatio(), k.kernels().get(1), k.samples()));
        }
        return 0;
    }
}
