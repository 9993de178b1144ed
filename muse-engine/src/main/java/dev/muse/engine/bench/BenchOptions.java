package dev.muse.engine.bench;

import java.util.List;

/**
 * What {@link EngineBench#run} measures.
 *
 * @param threads worker threads (as {@code --threads}); at least 1
 * @param promptTokens random prompt tokens for the prompt-processing figure
 * @param genTokens tokens generated per run, for the single and the parallel figures
 * @param parallel sequence counts decoded together (one forward per step for all of them)
 * @param repetitions runs per figure; the median is reported
 * @param depth positions already in the context for one more generation figure (as llama-bench's {@code -d}); 0 for
 *     none
 */
public record BenchOptions(int threads, int promptTokens, int genTokens, List<Integer> parallel, int repetitions, int depth) {
    public BenchOptions {
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (promptTokens < 1) throw new IllegalArgumentException("--prompt-tokens must be at least 1, got " + promptTokens);
        if (genTokens < 1) throw new IllegalArgumentException("--gen-tokens must be at least 1, got " + genTokens);
        if (repetitions < 1) throw new IllegalArgumentException("repetitions must be at least 1, got " + repetitions);
        if (depth < 0) throw new IllegalArgumentException("--depth must be 0 or more, got " + depth);
        parallel = List.copyOf(parallel);
        for (int p : parallel) {
            if (p < 1 || p > 128) throw new IllegalArgumentException("--parallel counts must be 1..128, got " + p);
        }
    }

    /** All cores, 512 prompt tokens, 128 generated, parallel 1,2,4,8,16, 3 repetitions, no depth figure. */
    public static BenchOptions defaults() {
        return new BenchOptions(Runtime.getRuntime().availableProcessors(), 512, 128, List.of(1, 2, 4, 8, 16), 3, 0);
    }

    public BenchOptions withThreads(int t) {
        return new BenchOptions(t, promptTokens, genTokens, parallel, repetitions, depth);
    }

    public BenchOptions withPromptTokens(int n) {
        return new BenchOptions(threads, n, genTokens, parallel, repetitions, depth);
    }

    public BenchOptions withGenTokens(int n) {
        return new BenchOptions(threads, promptTokens, n, parallel, repetitions, depth);
    }

    public BenchOptions withParallel(List<Integer> counts) {
        return new BenchOptions(threads, promptTokens, genTokens, counts, repetitions, depth);
    }

    public BenchOptions withRepetitions(int n) {
        return new BenchOptions(threads, promptTokens, genTokens, parallel, n, depth);
    }

    public BenchOptions withDepth(int d) {
        return new BenchOptions(threads, promptTokens, genTokens, parallel, repetitions, d);
    }
}
