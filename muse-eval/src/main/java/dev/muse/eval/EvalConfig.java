package dev.muse.eval;

import dev.muse.eval.data.MalformedPolicy;
import dev.muse.reasoning.Mode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One evaluation run, as {@code muse eval} describes it.
 *
 * @param benchmark one of {@link dev.muse.eval.data.Benchmarks#names()}
 * @param data the benchmark file, or the folder holding it under its usual name
 * @param modes the modes to run, each on every item (Auto is allowed; it is reported as Auto)
 * @param agents Contemplating's agent count
 * @param limit the first N items only; null for all
 * @param epochs samples per item and mode (pass@k and majority@k need more than one)
 * @param seed shuffles multiple-choice options and seeds every run (epoch e runs with a seed derived from seed and e)
 * @param concurrency samples in flight at once (virtual threads)
 * @param outDir where samples.jsonl, results.json and report.html go
 * @param resume continue a run found in outDir instead of refusing to overwrite it
 * @param malformed skip or fail on a malformed data line
 * @param prices dollars per million tokens for the cost columns
 * @param judge score {@code judge} items and check reasoning for evaluation awareness with the judge model
 * @param probes run the contamination, evaluation-awareness, transcript-classification and safety probes
 * @param probeLimit items the probes use (the first N of the evaluated items)
 * @param harmbenchData HarmBench behaviours CSV for the safety probe, or null to leave it out
 * @param xstestData XSTest prompts CSV for the safety probe, or null to leave it out
 * @param retries extra attempts for a sample whose run failed
 * @param maxTokens output cap per backend call, or null for Muse's default
 * @param cache reuse responses recorded in {@code cache.jsonl} for identical requests
 * @param cacheDir where {@code cache.jsonl} lives; null for {@code outDir} (share one folder between runs to make re-runs free)
 * @param baseline when Contemplating is asked for, also run the standard baseline (Instant and Thinking) so its gain
 *     and its cost can be read beside them; on by default
 */
public record EvalConfig(
        String benchmark,
        Path data,
        List<Mode> modes,
        int agents,
        Integer limit,
        int epochs,
        long seed,
        int concurrency,
        Path outDir,
        boolean resume,
        MalformedPolicy malformed,
        PriceTable prices,
        boolean judge,
        boolean probes,
        int probeLimit,
        Path harmbenchData,
        Path xstestData,
        int retries,
        Integer maxTokens,
        boolean cache,
        Path cacheDir,
        boolean baseline) {

    public EvalConfig {
        Objects.requireNonNull(benchmark, "benchmark");
        if (modes == null || modes.isEmpty()) modes = List.of(Mode.INSTANT, Mode.THINKING, Mode.CONTEMPLATING);
        modes = List.copyOf(new java.util.LinkedHashSet<>(modes));
        if (agents < 1 || agents > 32) throw new EvalException("--agents must be between 1 and 32, got " + agents);
        if (limit != null && limit < 1) throw new EvalException("--limit must be at least 1, got " + limit);
        if (epochs < 1 || epochs > 100) throw new EvalException("--epochs must be between 1 and 100, got " + epochs);
        if (concurrency < 1 || concurrency > 256) throw new EvalException("--concurrency must be between 1 and 256, got " + concurrency);
        if (outDir == null) throw new EvalException("no output folder: pass --out DIR");
        malformed = malformed == null ? MalformedPolicy.SKIP : malformed;
        prices = prices == null ? PriceTable.NONE : prices;
        if (probeLimit < 1) throw new EvalException("--probe-limit must be at least 1, got " + probeLimit);
        if (retries < 0 || retries > 10) throw new EvalException("--retries must be between 0 and 10, got " + retries);
        if (maxTokens != null && maxTokens < 1) throw new EvalException("--max-tokens must be at least 1, got " + maxTokens);
    }

    /** This configuration running {@code v} instead of its modes. */
    public EvalConfig withModes(List<Mode> v) {
        return new EvalConfig(benchmark, data, v, agents, limit, epochs, seed, concurrency, outDir, resume, malformed, prices, judge,
                probes, probeLimit, harmbenchData, xstestData, retries, maxTokens, cache, cacheDir, baseline);
    }

    /** The defaults of {@code muse eval}: the three modes, 4 agents, 1 epoch, seed 0, concurrency 4, probes on for 50 items. */
    public static Builder builder(String benchmark, Path data) {
        return new Builder(benchmark, data);
    }

    public static final class Builder {
        private final String benchmark;
        private final Path data;
        private List<Mode> modes = List.of(Mode.INSTANT, Mode.THINKING, Mode.CONTEMPLATING);
        private int agents = 4;
        private Integer limit;
        private int epochs = 1;
        private long seed;
        private int concurrency = 4;
        private Path outDir = Path.of("muse-eval-out");
        private boolean resume;
        private MalformedPolicy malformed = MalformedPolicy.SKIP;
        private PriceTable prices = PriceTable.NONE;
        private boolean judge;
        private boolean probes = true;
        private int probeLimit = 50;
        private Path harmbenchData;
        private Path xstestData;
        private int retries = 2;
        private Integer maxTokens;
        private boolean cache = true;
        private Path cacheDir;
        private boolean baseline = true;

        Builder(String benchmark, Path data) {
            this.benchmark = benchmark;
            this.data = data;
        }

        public Builder modes(List<Mode> v) { modes = v; return this; }
        public Builder agents(int v) { agents = v; return this; }
        public Builder limit(Integer v) { limit = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder malformed(MalformedPolicy v) { malformed = v; return this; }
        public Builder prices(PriceTable v) { prices = v; return this; }
        public Builder judge(boolean v) { judge = v; return this; }
        public Builder probes(boolean v) { probes = v; return this; }
        public Builder probeLimit(int v) { probeLimit = v; return this; }
        public Builder harmbenchData(Path v) { harmbenchData = v; return this; }
        public Builder xstestData(Path v) { xstestData = v; return this; }
        public Builder retries(int v) { retries = v; return this; }
        public Builder maxTokens(Integer v) { maxTokens = v; return this; }
        public Builder cache(boolean v) { cache = v; return this; }
        public Builder cacheDir(Path v) { cacheDir = v; return this; }
        public Builder baseline(boolean v) { baseline = v; return this; }

        public EvalConfig build() {
            return new EvalConfig(benchmark, data, modes, agents, limit, epochs, seed, concurrency, outDir, resume, malformed,
                    prices, judge, probes, probeLimit, harmbenchData, xstestData, retries, maxTokens, cache, cacheDir, baseline);
        }
    }
}
