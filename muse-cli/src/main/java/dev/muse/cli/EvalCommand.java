package dev.muse.cli;

import dev.muse.core.ChatModel;
import dev.muse.eval.EvalConfig;
import dev.muse.eval.EvalException;
import dev.muse.eval.EvalResults;
import dev.muse.eval.EvalRunner;
import dev.muse.eval.PriceTable;
import dev.muse.eval.ProgressListener;
import dev.muse.eval.TerminalTable;
import dev.muse.eval.data.MalformedPolicy;
import dev.muse.reasoning.Mode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Run a benchmark through each mode and report accuracy beside token cost and latency, with contamination, evaluation-awareness and safety probes.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BENCHMARK", description = "gsm8k, math500, arc, mc (mmlu, gpqa), truthfulqa, xstest, harmbench or custom")
    String benchmark;

    @Option(names = "--data", paramLabel = "PATH", required = true, description = "The benchmark's file (or the folder holding it).")
    Path data;

    @Option(names = "--modes", paramLabel = "a,b", split = ",", defaultValue = "instant,thinking,contemplating",
            description = "Modes to run (default instant,thinking,contemplating; Contemplating always brings the Instant and Thinking baseline unless --no-baseline).")
    List<String> modes;

    @Option(names = "--agents", paramLabel = "N", defaultValue = "4", description = "Contemplating's agents (default 4).")
    int agents;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N items.")
    Integer limit;

    @Option(names = "--epochs", paramLabel = "K", defaultValue = "1", description = "Samples per item (pass@k, majority@k).")
    int epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed for shuffles, perturbations and sampling.")
    long seed;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "4", description = "Items in flight at once.")
    int concurrency;

    @Option(names = "--out", paramLabel = "DIR", description = "Where samples.jsonl, results.json and report.html go (default eval-out/BENCHMARK).")
    Path out;

    @Option(names = "--resume", description = "Continue an interrupted run in --out.")
    boolean resume;

    @Option(names = "--malformed", paramLabel = "skip|fail", defaultValue = "skip", description = "What a malformed data line does (default skip, reported with its line number).")
    String malformed;

    @Option(names = "--price", paramLabel = "IN/OUT", description = "Dollars per million input/output tokens, e.g. 0.15/0.60.")
    String price;

    @Option(names = "--judge-model", paramLabel = "NAME", description = "A model on the same backend used as judge where answers are not checkable by code.")
    String judgeModel;

    @Option(names = "--no-probes", description = "Skip the contamination, evaluation-awareness and safety probes.")
    boolean noProbes;

    @Option(names = "--probe-limit", paramLabel = "N", defaultValue = "50", description = "Items the probes use (default 50).")
    int probeLimit;

    @Option(names = "--harmbench", paramLabel = "FILE", description = "HarmBench behaviours CSV for the safety probe.")
    Path harmbench;

    @Option(names = "--xstest", paramLabel = "FILE", description = "XSTest prompts CSV for the over-refusal probe.")
    Path xstest;

    @Option(names = "--no-baseline", description = "Do not add Instant and Thinking beside Contemplating.")
    boolean noBaseline;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Output tokens per call.")
    Integer maxTokens;

    @Option(names = "--no-cache", description = "Do not reuse cached responses.")
    boolean noCache;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        MuseConfig config = MuseConfig.load(backend.config);
        if (!java.nio.file.Files.exists(data)) {
            throw new UserError("benchmark data not found: " + data + " (give the file, or the folder holding it; README lists where to get each set)");
        }
        EvalConfig cfg;
        try {
            List<Mode> parsed = new ArrayList<>();
            for (String m : modes) parsed.add(Mode.parse(m));
            cfg = EvalConfig.builder(benchmark, data)
                    .modes(parsed).agents(agents).limit(limit).epochs(epochs).seed(seed).concurrency(concurrency)
                    .outDir(out != null ? out : Path.of("eval-out", benchmark.toLowerCase(Locale.ROOT)))
                    .resume(resume)
                    .malformed(MalformedPolicy.valueOf(malformed.toUpperCase(Locale.ROOT)))
                    .prices(price == null ? PriceTable.NONE : PriceTable.parse(price))
                    .judge(judgeModel != null).probes(!noProbes).probeLimit(probeLimit)
                    .harmbenchData(harmbench).xstestData(xstest).baseline(!noBaseline).maxTokens(maxTokens).cache(!noCache)
                    .build();
        } catch (IllegalArgumentException | EvalException e) {
            throw new UserError(e.getMessage());
        }
        try (Wiring wiring = Wiring.open(backend, config, List.of());
                Wiring judge = judgeModel == null ? null : Wiring.open(withModel(backend, judgeModel), config, List.of())) {
            ChatModel judgeModelOrNull = judge == null ? null : judge.model();
            ProgressBar bar = new ProgressBar();
            EvalResults results;
            try {
                results = EvalRunner.run(cfg, wiring.model(), judgeModelOrNull, bar);
            } catch (EvalException e) {
                bar.finish();
                throw new UserError(e.getMessage());
            }
            bar.finish();
            System.out.println(TerminalTable.render(results));
            return 0;
        }
    }

    private static BackendOptions withModel(BackendOptions b, String model) {
        BackendOptions o = b.withBackend(b.backend);
        o.model = model;
        o.tokenizer = null;
        return o;
    }

    /** One line on stderr, redrawn in place on a terminal and printed every tenth of the run otherwise. */
    private static final class ProgressBar implements ProgressListener {
        private final boolean tty = System.console() != null;
        private int lastDecile = -1;

        @Override
        public void onProgress(Progress p) {
            String acc = Double.isNaN(p.accuracy()) ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * p.accuracy());
            String eta = p.eta() == null ? "" : String.format(Locale.ROOT, " · ETA %dm%02ds", p.eta().toMinutes(), p.eta().toSecondsPart());
            int width = 24;
            int filled = p.total() == 0 ? width : width * p.done() / p.total();
            String line = String.format(Locale.ROOT, "[%s%s] %d/%d · accuracy %s · errors %d · tokens in %,d out %,d%s",
                    "#".repeat(filled), " ".repeat(width - filled), p.done(), p.total(), acc, p.errors(), p.inputTokens(), p.outputTokens(), eta);
            if (tty) {
                System.err.print("\r" + line + "\u001b[K");
            } else {
                int decile = p.total() == 0 ? 10 : 10 * p.done() / p.total();
                if (decile != lastDecile) {
                    lastDecile = decile;
                    System.err.println(line);
                }
            }
        }

        void finish() {
            if (tty) System.err.println();
        }
    }
}
