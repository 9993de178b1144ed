package dev.muse.engine.bench;

import dev.muse.engine.model.GgufModelLoader;
import dev.muse.engine.model.KvCache;
import dev.muse.engine.model.LayerWeights;
import dev.muse.engine.model.Llama2cCheckpoint;
import dev.muse.engine.model.Model;
import dev.muse.engine.model.ModelConfig;
import dev.muse.engine.model.Transformer;
import dev.muse.engine.model.ModelFormatException;
import dev.muse.engine.tensor.GgmlType;
import dev.muse.engine.tensor.JitWatch;
import dev.muse.engine.tensor.Parallel;
import dev.muse.engine.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The engine's speed on one model file, measured the way llama-bench does: prompt processing of random tokens in
 * prefill chunks, generation of one sequence from an empty context (as llama-bench), and generation of N sequences
 * decoded together with one forward per step, each continuing its own copy of the prompt (as llama-batched-bench).
 * Also a plain streaming read of the mapped file with the same threads (the best of a read before the warm-up and
 * one right after generation), the ceiling that generation — which reads every weight once per token — cannot pass.
 * Nothing here prints; progress goes to the optional callback.
 */
public final class EngineBench {
    private EngineBench() {}

    public static BenchResult run(Path model, BenchOptions options) {
        return run(model, options, s -> {});
    }

    /**
     * @param progress receives a short line before each measurement (e.g. "generation, 8 sequences, run 2/3")
     * @throws ModelFormatException when the file is not a usable model
     * @throws IllegalArgumentException when the prompt and generated tokens do not fit the model's context
     */
    public static BenchResult run(Path model, BenchOptions options, Consumer<String> progress) {
        if (!Files.isRegularFile(model)) throw new ModelFormatException("model file not found: " + model);
        try (Model m = isGguf(model) ? GgufModelLoader.load(model) : Llama2cCheckpoint.load(model);
                Parallel parallel = new Parallel(options.threads())) {
            ModelConfig c = m.config();
            int ctx = Math.max(options.promptTokens(), options.depth()) + options.genTokens();
            if (ctx > c.contextLength()) {
                throw new IllegalArgumentException((options.depth() > options.promptTokens() ? "depth (" + options.depth() : "prompt tokens (" + options.promptTokens())
                        + ") + generated tokens (" + options.genTokens() + ") exceed the model's context of " + c.contextLength() + "; lower them");
            }
            Transformer tf = m.transformer(parallel);
            int maxParallel = options.parallel().stream().mapToInt(Integer::intValue).max().orElse(1);
            KvCache cache = new KvCache(c, Math.max(1, maxParallel), ctx);
            SplittableRandom rnd = new SplittableRandom(1234);

            progress.accept("streaming read of " + model.getFileName());
            long fileBytes = Files.size(model);
            double streamBefore = streamRead(model, parallel, 3);

            int[] prompt = new int[options.promptTokens()];
            for (int i = 0; i < prompt.length; i++) prompt[i] = rnd.nextInt(c.vocabSize());
            // warm-up, as llama-bench does: touches every page, builds the row-group copies and lets the JIT compile
            // the prompt kernels, then the decoding ones; one-time work that would otherwise land in the timed runs
            long warmStart = System.nanoTime();
            JitWatch jit = new JitWatch(JIT_QUIET_NANOS, WARM_UP_MAX_NANOS);
            for (int i = 0; i == 0 || warmingUp(warmStart, jit, i < 3); i++) prefill(tf, cache, prompt);
            warmUpDecode(tf, cache, 1, 0, options.genTokens(), rnd);
            double warmUpSeconds = (System.nanoTime() - warmStart) / 1e9;
            double[] pp = new double[options.repetitions()];
            for (int r = 0; r < pp.length; r++) {
                progress.accept("prompt processing, " + prompt.length + " tokens, run " + (r + 1) + "/" + pp.length);
                long t0 = System.nanoTime();
                prefill(tf, cache, prompt);
                pp[r] = prompt.length * 1e9 / (System.nanoTime() - t0);
            }

            double[] tg = new double[options.repetitions()];
            for (int r = 0; r < tg.length; r++) {
                progress.accept("generation, 1 sequence, " + options.genTokens() + " tokens, run " + (r + 1) + "/" + tg.length);
                tg[r] = decode(tf, cache, 1, 0, options.genTokens(), rnd);
            }
            double genTps = median(tg);
            // the machine's bandwidth drifts within seconds on shared hosts: the ceiling is the best of a read before
            // the warm-up and one right after generation, so generation is not compared with a slow moment's read
            progress.accept("streaming read of " + model.getFileName() + " again");
            double streamBps = Math.max(streamBefore, streamRead(model, parallel, 2));

            // as llama-batched-bench does: every sequence continues after its own copy of the prompt (generation above
            // overwrote slot 0's first positions; decoding below writes only past the prompt, so once is enough)
            prefill(tf, cache, prompt);
            Map<Integer, BenchResult.Parallel> par = new LinkedHashMap<>();
            for (int n : options.parallel()) {
                // untimed steps first: batches run their own kernels (eight- and four-vector or tiled)
                for (int s = 1; s < n; s++) cache.copyPrefix(0, s, prompt.length);
                warmUpDecode(tf, cache, n, prompt.length, options.genTokens(), rnd);
                double[] agg = new double[options.repetitions()];
                for (int r = 0; r < agg.length; r++) {
                    progress.accept("generation, " + n + " sequences after the prompt, run " + (r + 1) + "/" + agg.length);
                    for (int s = 1; s < n; s++) cache.copyPrefix(0, s, prompt.length);
                    agg[r] = decode(tf, cache, n, prompt.length, options.genTokens(), rnd);
                }
                double a = median(agg);
                par.put(n, new BenchResult.Parallel(a, a / n));
            }
            // as llama-bench's -d: one sequence generating after `depth` positions of context (random tokens), where
            // attention reads depth positions of keys and values per token on top of the weights
            double atDepth = Double.NaN;
            if (options.depth() > 0) {
                progress.accept("a " + options.depth() + "-token context for generation at depth");
                prefill(tf, cache, rnd.ints(options.depth(), 0, c.vocabSize()).toArray());
                warmUpDecode(tf, cache, 1, options.depth(), options.genTokens(), rnd);
                double[] deep = new double[options.repetitions()];
                for (int r = 0; r < deep.length; r++) {
                    progress.accept("generation at depth " + options.depth() + ", run " + (r + 1) + "/" + deep.length);
                    deep[r] = decode(tf, cache, 1, options.depth(), options.genTokens(), rnd);
                }
                atDepth = median(deep);
            }
            long perToken = weightBytesPerToken(m);
            return new BenchResult(name(model), dominantType(m), options.threads(), options.promptTokens(), options.genTokens(),
                    median(pp), genTps, par, fileBytes, perToken, streamBps, perToken * genTps / streamBps,
                    kvBytes(c, options.promptTokens() + options.genTokens(), cache.type()), batchKernels(), warmUpSeconds,
                    options.depth(), atDepth, Tensor.vectorBits());
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + model + ": " + e.getMessage(), e);
        }
    }

    /** Which batch kernel each raced type settled on in this JVM ({@link Tensor#batchKernelChoices}). */
    private static Map<String, BenchResult.BatchKernel> batchKernels() {
        Map<String, BenchResult.BatchKernel> out = new LinkedHashMap<>();
        for (Tensor.BatchKernelChoice c : Tensor.batchKernelChoices()) {
            out.put(c.type(), new BenchResult.BatchKernel(c.kernels(), c.choice(), c.timeRatio(), c.samples()));
        }
        return out;
    }

    private static void prefill(Transformer tf, KvCache cache, int[] prompt) {
        float[] last = new float[tf.config().vocabSize()];
        for (int start = 0; start < prompt.length; start += Transformer.PREFILL_CHUNK) {
            int m = Math.min(Transformer.PREFILL_CHUNK, prompt.length - start);
            int[] positions = new int[m];
            float[][] logits = new float[m][];
            for (int i = 0; i < m; i++) positions[i] = start + i;
            if (start + m == prompt.length) logits[m - 1] = last;
            tf.forward(m, Arrays.copyOfRange(prompt, start, start + m), positions, new int[m], cache, logits);
        }
    }

    /**
     * Each warm-up (the prompt's, then each batch size's decoding) runs {@link #WARM_UP_NANOS} (but at most 3 prompts or
     * the timed runs' steps, as before) and until the JIT has compiled nothing for {@link #JIT_QUIET_NANOS}, at most
     * {@link #WARM_UP_MAX_NANOS} in all: timed runs then
     * measure C2's code, as llama-bench's warm-up leaves llama.cpp at its steady speed. The fixed warm-up alone (2 s, at
     * most the timed context's steps) ended about 5–6 s into a run, and Q5_K's single-vector kernel reached C2 at
     * 5.6 s in one (PrintCompilation). The JSON's {@code warm_up_s} says how long the prompt's and one sequence's
     * warm-up took (11–24 s on the 1B Q5_K and Q4_K_M: the JIT keeps compiling that long).
     */
    static final long WARM_UP_NANOS = 2_000_000_000L, JIT_QUIET_NANOS = 300_000_000L, WARM_UP_MAX_NANOS = 20_000_000_000L;

    /** Whether to go on warming up; {@code early}: still within the fixed warm-up's steps. */
    private static boolean warmingUp(long start, JitWatch jit, boolean early) {
        long elapsed = System.nanoTime() - start;
        boolean settled = jit.settled(); // asked every time, so it sees each compilation
        return elapsed < WARM_UP_MAX_NANOS && (early && elapsed < WARM_UP_NANOS || !settled);
    }

    /**
     * Untimed decode steps of {@code n} sequences from position {@code start}: at least 4, and as long as
     * {@link #warmingUp}, cycling over the positions {@code start .. start + maxSteps} the timed runs use. (A fixed 4
     * steps had let a kernel first used at this batch size run C1's code into the timed steps: the same file measured
     * 10 and 41 t/s at 8 sequences in two JVM starts.)
     */
    private static void warmUpDecode(Transformer tf, KvCache cache, int n, int start, int maxSteps, SplittableRandom rnd) {
        long t0 = System.nanoTime();
        JitWatch jit = new JitWatch(JIT_QUIET_NANOS, WARM_UP_MAX_NANOS);
        for (int step = 0; step < 4 || warmingUp(t0, jit, step < maxSteps); step++) decode(tf, cache, n, start + step % maxSteps, 1, rnd);
    }

    /** {@code n} sequences in slots 0..n-1 from position {@code start}, {@code steps} tokens each; returns aggregate tokens/s. */
    private static double decode(Transformer tf, KvCache cache, int n, int start, int steps, SplittableRandom rnd) {
        int vocab = tf.config().vocabSize();
        int[] tokens = new int[n];
        int[] positions = new int[n];
        int[] slots = new int[n];
        float[][] logits = new float[n][vocab];
        for (int s = 0; s < n; s++) {
            slots[s] = s;
            tokens[s] = rnd.nextInt(vocab);
        }
        long t0 = System.nanoTime();
        for (int step = 0; step < steps; step++) {
            Arrays.fill(positions, start + step);
            tf.forward(n, tokens, positions, slots, cache, logits);
            for (int s = 0; s < n; s++) tokens[s] = argmax(logits[s]);
        }
        return (double) n * steps * 1e9 / (System.nanoTime() - t0);
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Every matrix once plus one embedding row: what one decode step reads from the mapping. */
    static long weightBytesPerToken(Model m) {
        long bytes = 0;
        for (LayerWeights l : m.weights().layers()) {
            for (Tensor t : new Tensor[] {l.wq(), l.wk(), l.wv(), l.wo(), l.ffnGate(), l.ffnUp(), l.ffnDown()}) bytes += t.data().byteSize();
        }
        Tensor emb = m.weights().tokenEmbedding();
        bytes += m.weights().output().data().byteSize();
        bytes += emb.data().byteSize() / emb.rows();
        return bytes;
    }

    static String dominantType(Model m) {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (LayerWeights l : m.weights().layers()) {
            for (Tensor t : new Tensor[] {l.wq(), l.wk(), l.wv(), l.wo(), l.ffnGate(), l.ffnUp(), l.ffnDown()}) {
                bytes.merge(t.type(), t.data().byteSize(), Long::sum);
            }
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().name()).orElse("?");
    }

    static long kvBytes(ModelConfig c, int positions, KvCache.Type type) {
        return KvCache.bytesPerPosition(c.layers(), c.kvDim(), type) * positions;
    }

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    /** Best of {@code runs} parallel streaming reads of the whole file, in bytes per second. */
    static double streamRead(Path file, Parallel parallel, int runs) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            long chunk = 1 << 20;
            int chunks = (int) ((seg.byteSize() + chunk - 1) / chunk);
            AtomicLong sink = new AtomicLong();
            double best = 0;
            for (int r = 0; r < runs + 1; r++) { // the first run pages the file in
                long t0 = System.nanoTime();
                parallel.forRange(chunks, (from, to) -> {
                    // two streams, a thread's share's halves side by side: one core reads ~10% faster so (and the
                    // float decoders read their rows that way, see Tensor.forRowSets)
                    LongVector acc0 = LongVector.zero(L), acc1 = acc0;
                    long step = L.vectorByteSize();
                    long start = from * chunk, end = Math.min(seg.byteSize(), to * chunk);
                    long half = (end - start) / 2 / step * step;
                    for (long at = start; at < start + half; at += step) {
                        acc0 = acc0.add(LongVector.fromMemorySegment(L, seg, at, ByteOrder.LITTLE_ENDIAN));
                        acc1 = acc1.add(LongVector.fromMemorySegment(L, seg, at + half, ByteOrder.LITTLE_ENDIAN));
                    }
                    for (long at = start + 2 * half; at + step <= end; at += step) {
                        acc0 = acc0.add(LongVector.fromMemorySegment(L, seg, at, ByteOrder.LITTLE_ENDIAN));
                    }
                    sink.addAndGet(acc0.add(acc1).reduceLanes(VectorOperators.ADD));
                });
                double bps = seg.byteSize() * 1e9 / (System.nanoTime() - t0);
                if (r > 0) best = Math.max(best, bps);
            }
            if (sink.get() == 42) best += 0; // keep the reads alive
            return best;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String name(Path model) {
        String s = model.getFileName().toString();
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }

    private static boolean isGguf(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new ModelFormatException("cannot read model file " + p + ": " + e.getMessage(), e);
        }
    }
}
