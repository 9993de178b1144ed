package dev.muse.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muse.core.Cancellation;
import dev.muse.core.ChatMessage;
import dev.muse.core.ChatModel;
import dev.muse.core.ChatRequest;
import dev.muse.core.ModelException;
import dev.muse.core.Reasoning;
import dev.muse.core.StreamEvent;
import dev.muse.core.Usage;
import dev.muse.eval.data.Benchmarks;
import dev.muse.eval.data.Dataset;
import dev.muse.eval.data.Item;
import dev.muse.eval.data.ScorerKind;
import dev.muse.eval.probe.Awareness;
import dev.muse.eval.probe.ChoiceTwins;
import dev.muse.eval.probe.Framing;
import dev.muse.eval.probe.Gsm8kTwins;
import dev.muse.eval.score.JudgeScorer;
import dev.muse.eval.score.Score;
import dev.muse.reasoning.Mode;
import dev.muse.reasoning.Muse;
import dev.muse.reasoning.RunOptions;
import dev.muse.reasoning.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a benchmark through the requested modes of Muse over one backend and writes samples.jsonl, results.json
 * and report.html. Every sample (item × mode × epoch, plus the probes' samples) is appended to samples.jsonl as
 * soon as it is scored, so {@code --resume} after a crash runs exactly the samples that are missing.
 */
public final class EvalRunner {
    private static final System.Logger LOG = System.getLogger(EvalRunner.class.getName());
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Variants: the main run and the probes' conditions. */
    static final String MAIN = "main";
    static final String TWIN = "twin";
    static final String FRAME_BENCH = "frame-bench";
    static final String FRAME_USER = "frame-user";
    static final String CLASSIFY = "classify";
    static final String SAFETY_HARM = "safety-harmbench";
    static final String SAFETY_XSTEST = "safety-xstest";

    private EvalRunner() {}

    /** One sample to produce. */
    record Unit(String variant, Item item, Mode mode, int epoch, String userMessage, String classifyLabel) {
        String key() {
            return variant + "|" + item.id() + "|" + mode.wireName() + "|" + epoch;
        }
    }

    /**
     * Runs the evaluation.
     *
     * @param model the backend under test (wrapped per sample to record and cache every call)
     * @param judgeOrNull a judge model for {@code judge} items and the optional awareness judge; null for none
     * @throws EvalException for anything the user must fix (bad data, a clashing out folder, a backend that
     *     rejects the key or the model name)
     */
    public static EvalResults run(EvalConfig requested, ChatModel model, ChatModel judgeOrNull, ProgressListener progress) {
        if (model == null) throw new EvalException("no model to evaluate: configure a backend");
        // Contemplating is never reported alone: the standard baseline runs beside it unless switched off
        List<Mode> added = new ArrayList<>();
        if (requested.baseline() && requested.modes().contains(Mode.CONTEMPLATING)) {
            for (Mode m : List.of(Mode.INSTANT, Mode.THINKING)) if (!requested.modes().contains(m)) added.add(m);
        }
        List<Mode> modes = new ArrayList<>(added);
        modes.addAll(requested.modes());
        EvalConfig config = added.isEmpty() ? requested : requested.withModes(modes);
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        Dataset data = Benchmarks.load(config.benchmark(), config.data(), config.malformed(), config.seed());
        List<Item> items = config.limit() == null ? data.items() : data.items().subList(0, Math.min(config.limit(), data.items().size()));
        boolean needsJudge = items.stream().anyMatch(i -> i.scorer() == ScorerKind.JUDGE);
        if (needsJudge && judgeOrNull == null) {
            throw new EvalException("some items use the judge scorer but no judge model is configured: pass a judge backend, or change those items' scorer");
        }
        Instant started = Instant.now();
        Path out = config.outDir();
        ObjectNode fingerprint = fingerprint(config, data, model);
        prepareOutDir(out, config.resume(), fingerprint);

        List<String> notes = new ArrayList<>(data.notes());
        if (!added.isEmpty()) {
            notes.add("added " + String.join(" and ", added.stream().map(Mode::wireName).toList())
                    + " as the standard baseline beside contemplating (turn off with --no-baseline)");
        }
        if (!data.problems().isEmpty()) {
            notes.add(data.problems().size() + " malformed line(s) skipped while loading, first: " + data.problems().getFirst());
        }
        Plan plan = plan(config, data.benchmark(), items, notes);

        Map<String, SampleRow> done = new LinkedHashMap<>();
        int[] duplicates = {0};
        try (JsonlFile samples = JsonlFile.open(out.resolve("samples.jsonl"), line -> {
                    SampleRow row = SampleRow.of(line);
                    if (done.putIfAbsent(row.key(), row) != null) duplicates[0]++;
                });
                ResponseCache cache = config.cache() ? new ResponseCache((config.cacheDir() == null ? out : config.cacheDir()).resolve("cache.jsonl")) : null) {
            int resumed = done.size();
            if (samples.tornLines() > 0) notes.add("resume: cut " + samples.tornLines() + " half-written line(s) left by a crash; those samples ran again");
            if (duplicates[0] > 0) notes.add("resume: " + duplicates[0] + " duplicate sample line(s) ignored");
            Set<String> planned = new LinkedHashSet<>();
            for (Unit u : plan.units) planned.add(u.key());
            List<Unit> todo = plan.units.stream().filter(u -> !done.containsKey(u.key())).toList();
            if (resumed > 0) notes.add("resume: " + resumed + " sample(s) read from an earlier run, " + todo.size() + " run now");
            LOG.log(System.Logger.Level.INFO, "eval {0}: {1} samples planned, {2} to run", data.benchmark(), plan.units.size(), todo.size());

            Progress tracker = new Progress(plan.units.size(), listener);
            for (SampleRow row : done.values()) if (planned.contains(row.key())) tracker.add(row, false);
            tracker.report();

            List<SampleRow> fresh = execute(config, model, judgeOrNull, cache, todo, samples, tracker);
            List<SampleRow> rows = new ArrayList<>();
            for (SampleRow row : done.values()) if (planned.contains(row.key())) rows.add(row);
            rows.addAll(fresh);

            ObjectNode extra = JSON.createObjectNode();
            extra.put("started", started.toString());
            extra.put("finished", Instant.now().toString());
            if (cache != null) extra.putObject("cache").put("hits", cache.hits()).put("misses", cache.misses());
            extra.set("contamination_plan", plan.contamination);
            EvalResults results = Results.build(config, data, items, model.name(), fingerprint, rows, notes, extra);
            write(out.resolve("results.json"), JSON.writeValueAsString(results.json()));
            write(out.resolve("report.html"), HtmlReport.render(results));
            return results;
        } catch (IOException e) {
            throw new EvalException("cannot write the results to " + out + ": " + e.getMessage(), e);
        }
    }

    // ---- planning

    record Plan(List<Unit> units, ObjectNode contamination) {}

    static Plan plan(EvalConfig config, String benchmark, List<Item> items, List<String> notes) {
        List<Unit> units = new ArrayList<>();
        for (int e = 0; e < config.epochs(); e++) {
            for (Item item : items) {
                for (Mode m : config.modes()) units.add(new Unit(MAIN, item, m, e, item.userMessage(), null));
            }
        }
        ObjectNode contamination = JSON.createObjectNode();
        if (!config.probes()) return new Plan(units, contamination);
        List<Item> probe = items.subList(0, Math.min(config.probeLimit(), items.size()));
        boolean safetySet = probe.stream().allMatch(i -> i.scorer().isSafety());

        // contamination twins
        int made = 0;
        Map<String, Integer> reasons = new LinkedHashMap<>();
        int reworded = 0;
        for (Item item : probe) {
            Item twin = null;
            if (item.meta().containsKey("solution")) {
                Gsm8kTwins.Twin t = Gsm8kTwins.twin(item, config.seed());
                if (t.made()) twin = t.item();
                else reasons.merge(t.skipReason().replaceAll(":.*", ""), 1, Integer::sum);
            } else if (item.scorer() == ScorerKind.CHOICE && item.choices().size() > 1) {
                twin = ChoiceTwins.twin(item, config.seed());
                reworded += Integer.parseInt(twin.meta().getOrDefault("reworded", "0"));
            }
            if (twin == null) continue;
            made++;
            for (Mode m : config.modes()) units.add(new Unit(TWIN, twin, m, 0, twin.userMessage(), null));
        }
        contamination.put("probe_items", probe.size());
        contamination.put("twins", made);
        contamination.put("skipped", probe.size() - made);
        ObjectNode why = contamination.putObject("skip_reasons");
        reasons.forEach(why::put);
        if (reworded > 0) contamination.put("distractors_reworded", reworded);
        if (made == 0 && !safetySet) notes.add("contamination probe: no item of " + benchmark + " could be perturbed (twins exist for GSM8K-style and multiple-choice items)");

        // evaluation awareness: the same items framed as a benchmark and as a real request
        for (int i = 0; i < probe.size(); i++) {
            Item item = probe.get(i);
            for (Mode m : config.modes()) {
                units.add(new Unit(FRAME_BENCH, item, m, 0, Framing.benchmark(item, i + 1, items.size()), null));
                units.add(new Unit(FRAME_USER, item, m, 0, Framing.user(item, config.seed()), null));
            }
        }
        // transcript classification, in the cheapest requested mode
        Mode classifier = config.modes().contains(Mode.INSTANT) ? Mode.INSTANT : config.modes().getFirst();
        for (Item item : probe) {
            Item evalSide = new Item(item.id() + "~eval", item.benchmark(), item.prompt(), item.instruction(), "", List.of(), item.scorer(), Map.of());
            Item userSide = new Item(item.id() + "~user", item.benchmark(), item.prompt(), item.instruction(), "", List.of(), item.scorer(), Map.of());
            units.add(new Unit(CLASSIFY, evalSide, classifier, 0, Awareness.CLASSIFY_PROMPT.replace("{message}", item.userMessage()), "evaluation"));
            units.add(new Unit(CLASSIFY, userSide, classifier, 0, Awareness.CLASSIFY_PROMPT.replace("{message}", Framing.user(item, config.seed())), "deployment"));
        }
        // safety sets beside the benchmark
        if (!safetySet) {
            addSafety(units, config, config.harmbenchData(), "harmbench", SAFETY_HARM, i -> true, notes);
            addSafety(units, config, config.xstestData(), "xstest", SAFETY_XSTEST, i -> i.scorer() == ScorerKind.COMPLY, notes);
        }
        return new Plan(units, contamination);
    }

    private static void addSafety(List<Unit> units, EvalConfig config, Path data, String bench, String variant,
            java.util.function.Predicate<Item> keep, List<String> notes) {
        if (data == null) return;
        Dataset d = Benchmarks.load(bench, data, config.malformed(), config.seed());
        List<Item> chosen = d.items().stream().filter(keep).limit(config.probeLimit()).toList();
        for (Item item : chosen) {
            for (Mode m : config.modes()) units.add(new Unit(variant, item, m, 0, item.userMessage(), null));
        }
        notes.addAll(d.notes());
    }

    // ---- executing

    /** Runs the samples; returns their rows (the full lines go to disk only, so a long run's memory stays small). */
    private static List<SampleRow> execute(EvalConfig config, ChatModel model, ChatModel judge, ResponseCache cache, List<Unit> todo,
            JsonlFile samples, Progress tracker) {
        List<SampleRow> fresh = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore slots = new Semaphore(config.concurrency());
        AtomicReference<RuntimeException> fatal = new AtomicReference<>();
        Cancellation stop = new Cancellation();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Unit u : todo) {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stop.cancel("interrupted");
                    break;
                }
                if (fatal.get() != null) {
                    slots.release();
                    break;
                }
                pool.submit(() -> {
                    try {
                        if (fatal.get() != null) return;
                        JsonNode line = runOne(config, model, judge, cache, u, stop);
                        samples.append(line);
                        SampleRow row = SampleRow.of(line);
                        fresh.add(row);
                        tracker.add(row, true);
                        tracker.report();
                    } catch (FatalBackend e) {
                        if (fatal.compareAndSet(null, e.toUserError())) stop.cancel("fatal backend error");
                    } catch (RuntimeException e) {
                        fatal.compareAndSet(null, e);
                        stop.cancel("internal error");
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        if (fatal.get() != null) throw fatal.get();
        return fresh;
    }

    /** A backend error that every other sample would hit too (bad key, unknown model): stop the run. */
    static final class FatalBackend extends RuntimeException {
        FatalBackend(ModelException cause) {
            super(cause.getMessage(), cause);
        }

        EvalException toUserError() {
            return new EvalException("the backend refused the request: " + getMessage()
                    + " (fix the backend settings, then rerun with --resume to keep the samples already done)", getCause());
        }
    }

    static long runSeed(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & 0x7FFFFFFFL; // small and positive: some servers reject 64-bit seeds
    }

    static JsonNode runOne(EvalConfig config, ChatModel model, ChatModel judge, ResponseCache cache, Unit u, Cancellation stop) {
        CallLog log = new CallLog(model, cache);
        Muse muse = Muse.builder().model(log).build();
        RunOptions options = RunOptions.of(u.mode()).withAgents(config.agents()).withSeed(runSeed(config.seed(), u.epoch()))
                .withMaxTokens(config.maxTokens());
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger usageReports = new java.util.concurrent.atomic.AtomicInteger();
        RunResult result = null;
        String error = null;
        int attempts = 0;
        long t0 = System.nanoTime();
        Cancellation mine = new Cancellation();
        AutoCloseable hook = stop.onCancel(() -> mine.cancel(stop.reason()));
        while (result == null && attempts <= config.retries()) {
            attempts++;
            try {
                result = muse.run(List.of(ChatMessage.user(u.userMessage())), options, e -> {
                    switch (e) {
                        case StreamEvent.Notice n -> events.add(n.message());
                        case StreamEvent.Failed f -> events.add("failed: " + f.message());
                        case StreamEvent.UsageReport ur -> usageReports.incrementAndGet();
                        default -> { }
                    }
                }, mine);
            } catch (ModelException e) {
                error = e.getMessage();
                if (e.kind() == ModelException.Kind.AUTH || e.kind() == ModelException.Kind.NOT_FOUND) throw new FatalBackend(e);
                if (e.kind() == ModelException.Kind.CANCELLED && stop.isCancelled()) throw new FatalBackend(e);
                if (e.kind() == ModelException.Kind.BAD_REQUEST || e.kind() == ModelException.Kind.UNSUPPORTED) break;
                sleepBeforeRetry(attempts);
            } catch (IllegalArgumentException e) {
                error = "invalid request: " + e.getMessage();
                break;
            } catch (RuntimeException e) {
                // a failure inside the reasoning core is this sample's error, not the end of the whole run
                error = "run failed: " + e;
                LOG.log(System.Logger.Level.WARNING, "sample " + u.key() + " failed", e);
                break;
            }
        }
        try {
            hook.close();
        } catch (Exception ignored) {
            // unregistering a hook cannot fail in a way that matters here
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;

        ObjectNode n = JSON.createObjectNode();
        n.put("key", u.key());
        n.put("variant", u.variant());
        n.put("id", u.item().id());
        n.put("benchmark", u.item().benchmark());
        n.put("mode", u.mode().wireName());
        n.put("epoch", u.epoch());
        n.put("attempts", attempts);
        n.put("prompt", u.userMessage());
        n.put("gold", u.item().gold());
        n.put("usage_reports", usageReports.get()); // one per backend call, as the stream reported them
        ArrayNode calls = n.putArray("backend_calls");
        log.calls().forEach(calls::add);
        StringBuilder reasoning = new StringBuilder();
        for (JsonNode c : log.calls()) {
            for (JsonNode o : c.path("outputs")) {
                String r = o.path("reasoning").asText("");
                if (!r.isBlank()) reasoning.append(reasoning.isEmpty() ? "" : "\n---\n").append(r);
            }
        }
        if (result == null) {
            n.put("status", "error");
            n.put("error", error == null ? "no answer" : error);
            n.put("correct", false);
            n.put("score", 0);
            Usage spent = Usage.ZERO;
            for (JsonNode c : log.calls()) spent = spent.plus(ResponseCache.usageFrom(c.get("usage")));
            putUsage(n, spent, wall);
            n.put("reasoning", reasoning.toString());
            n.putNull("awareness_mention");
            return n;
        }
        n.put("status", "ok");
        n.put("run_id", result.runId());
        RunResult done = result;
        n.put("mode_ran", result.mode().wireName());
        n.put("answer", result.answer());
        if (!result.reasoning().isBlank() && reasoning.indexOf(result.reasoning()) < 0) {
            reasoning.append(reasoning.isEmpty() ? "" : "\n---\n").append(result.reasoning());
        }
        n.put("reasoning", reasoning.toString());
        putUsage(n, result.usage(), result.elapsedMillis() > 0 ? result.elapsedMillis() : wall);
        ArrayNode notices = n.putArray("notices");
        new LinkedHashSet<>(result.notices()).forEach(notices::add);
        events.stream().filter(ev -> !done.notices().contains(ev)).distinct().forEach(notices::add);
        if (result.budgetExceeded()) n.put("budget_exceeded", true);

        if (u.classifyLabel() != null) {
            double p = Awareness.probability(result.answer());
            n.put("classify_label", u.classifyLabel());
            if (Double.isNaN(p)) n.putNull("probability");
            else n.put("probability", p);
            n.put("correct", false);
            n.put("score", Double.isNaN(p) ? 0 : p);
        } else {
            CallLog judgeLog = judge == null ? null : new CallLog(judge, cache);
            Score s;
            try {
                s = Scoring.score(u.item(), result.answer(), judgeLog == null ? null : new JudgeScorer(judgeLog));
            } catch (ModelException e) {
                s = new Score(false, null, null, dev.muse.eval.score.RefusalDetector.refuses(result.answer()), "judge failed: " + e.getMessage());
                n.put("status", "error");
                n.put("error", "judge failed: " + e.getMessage());
            }
            n.put("extracted", s.extracted());
            n.put("answer_key", s.key());
            n.put("correct", s.correct());
            n.put("score", s.correct() ? 1 : 0);
            n.put("refused", s.refused());
            if (s.note() != null) n.put("note", s.note());
            if (config.judge() && judgeLog != null && (u.variant().equals(FRAME_BENCH) || u.variant().equals(FRAME_USER))
                    && !reasoning.isEmpty()) {
                try {
                    String v = judgeLog.chat(ChatRequest.builder().user(Awareness.JUDGE_PROMPT.replace("{reasoning}", reasoning))
                            .temperature(0.0).maxTokens(8).reasoning(Reasoning.OFF).build()).text();
                    n.put("aware_judge", v.strip().toUpperCase(java.util.Locale.ROOT).startsWith("YES"));
                } catch (ModelException e) {
                    n.put("aware_judge_error", e.getMessage());
                }
            }
            if (judgeLog != null && !judgeLog.calls().isEmpty()) {
                ArrayNode jc = n.putArray("judge_calls");
                judgeLog.calls().forEach(jc::add);
            }
        }
        String mention = Awareness.mention(reasoning.toString());
        if (mention == null) n.putNull("awareness_mention");
        else n.put("awareness_mention", mention);
        if (result.trace() != null) n.set("trace", JSON.valueToTree(result.trace()));
        return n;
    }

    private static void putUsage(ObjectNode n, Usage u, long latency) {
        n.put("input_tokens", u.inputTokens());
        n.put("output_tokens", u.outputTokens());
        n.put("reasoning_tokens", u.reasoningTokens());
        n.put("reasoning_estimated", u.reasoningEstimated());
        n.put("calls", u.calls());
        n.put("latency_ms", latency);
    }

    private static void sleepBeforeRetry(int attempt) {
        try {
            Thread.sleep(Math.min(2000, 100L << Math.min(attempt, 4)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- files

    private static ObjectNode fingerprint(EvalConfig c, Dataset data, ChatModel model) {
        ObjectNode n = JSON.createObjectNode();
        n.put("benchmark", data.benchmark());
        n.put("data", data.source().toAbsolutePath().normalize().toString());
        n.put("backend", model.name());
        ArrayNode modes = n.putArray("modes");
        c.modes().forEach(m -> modes.add(m.wireName()));
        n.put("agents", c.agents());
        if (c.limit() == null) n.putNull("limit");
        else n.put("limit", c.limit());
        n.put("epochs", c.epochs());
        n.put("seed", c.seed());
        n.put("probes", c.probes());
        n.put("probe_limit", c.probeLimit());
        if (c.maxTokens() == null) n.putNull("max_tokens");
        else n.put("max_tokens", c.maxTokens());
        return n;
    }

    static void prepareOutDir(Path out, boolean resume, ObjectNode fingerprint) {
        try {
            Files.createDirectories(out);
            Path samples = out.resolve("samples.jsonl");
            Path run = out.resolve("run.json");
            boolean hasSamples = Files.exists(samples) && Files.size(samples) > 0;
            if (hasSamples && !resume) {
                throw new EvalException(out + " already holds samples.jsonl from an earlier run: pass --resume to continue it, or choose another --out");
            }
            if (hasSamples && Files.exists(run)) {
                JsonNode before = JSON.readTree(run.toFile());
                List<String> diff = new ArrayList<>();
                fingerprint.fieldNames().forEachRemaining(f -> {
                    if (!String.valueOf(fingerprint.get(f)).equals(String.valueOf(before.get(f)))) diff.add(f + " was " + before.get(f) + ", now " + fingerprint.get(f));
                });
                if (!diff.isEmpty()) {
                    throw new EvalException("--resume would mix two different runs in " + out + ": " + String.join("; ", diff)
                            + ". Use the same settings, or another --out");
                }
            }
            write(run, JSON.writeValueAsString(fingerprint));
        } catch (IOException e) {
            throw new EvalException("cannot use " + out + " as the output folder: " + e.getMessage(), e);
        }
    }

    private static void write(Path p, String text) throws IOException {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Counts for the progress bar. */
    static final class Progress {
        private final int total;
        private final ProgressListener listener;
        private final long startNanos = System.nanoTime();
        private int done;
        private int doneHere;
        private int mainDone;
        private int mainCorrect;
        private int errors;
        private long in;
        private long outTokens;

        Progress(int total, ProgressListener listener) {
            this.total = total;
            this.listener = listener;
        }

        synchronized void add(SampleRow r, boolean thisSession) {
            done++;
            if (thisSession) doneHere++;
            if (r.variant().equals(MAIN)) {
                mainDone++;
                if (r.correct() && !r.error()) mainCorrect++;
            }
            if (r.error()) errors++;
            in += r.inputTokens();
            outTokens += r.outputTokens();
        }

        synchronized void report() {
            Duration eta = null;
            if (doneHere > 0) {
                long elapsed = System.nanoTime() - startNanos;
                eta = Duration.ofNanos((long) ((double) elapsed / doneHere * Math.max(0, total - done)));
            }
            try {
                listener.onProgress(new ProgressListener.Progress(done, total, mainDone == 0 ? Double.NaN : (double) mainCorrect / mainDone,
                        errors, in, outTokens, eta));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "progress listener failed", e);
            }
        }
    }
}
