package dev.muse.engine.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Chooses, in the running JVM, between two kernels whose results are bit-identical — a type's widest batch kernel
 * (eight vectors per call, or four) and the next narrower one on the same vectors (four, or one) — by timing both on
 * the same matrices.
 *
 * <p>Why measure rather than decide once: C2 compiles these large Vector API kernels well in most JVM starts, but in
 * some it leaves part of one on the Vector API's Java fallback (the engine README's JIT note), and that kernel then
 * runs up to a hundred times slower for the life of the process. Which kernel it hits differs from start to start,
 * so the one that came out well is kept.
 *
 * <p>How: each matrix ({@link Entry}) alternates the two kernels on its own calls, half the matrices starting with
 * each, so both are used (and compiled) from the first pass over a model on; two consecutive calls of one matrix
 * with different kernels give a sample of log(time first / time second). Samples count only once the JIT has been
 * idle for a moment ({@link #jitSettled}: before that, a kernel may still be running C1's code, which is as slow as
 * a bad compile). The median of the last {@link #WINDOW} samples decides (one preempted call cannot flip it): after
 * {@link #DECIDE_EARLY} samples when one kernel takes at least {@link #EARLY_RATIO} times the other's time (a
 * four-vector kernel against one at a time, a bad compile), else after {@link #DECIDE_AFTER}. The
 * loser is then re-tried on one call in {@code 100 · (ratio − 1)} of each matrix (at least {@link #MIN_RETRY}, at
 * most {@link #MAX_RETRY}), so re-trying costs about 1% and a later recompilation is still noticed.
 */
final class KernelRace {
    static final int WINDOW = 16, DECIDE_EARLY = 8, DECIDE_AFTER = 24;
    /**
     * Until a race is decided, half the calls run the slower kernel: a clear difference ends it early. (At 2, a
     * K-quant's four-vector kernel against one at a time, ~0.7, took the full 24 samples, and the first prompts
     * ran half their products one vector at a time.)
     */
    static final double EARLY_RATIO = 1.25;
    static final int MIN_RETRY = 32, MAX_RETRY = 16_384;
    /** The JIT counts as settled after this long without compiling, or this long after the first race began. */
    static final long QUIET_NANOS = 300_000_000L, MAX_WAIT_NANOS = 20_000_000_000L;

    private static final Map<Class<?>, KernelRace> BY_TYPE = new ConcurrentHashMap<>();

    /** The race of one tensor type whose widest batch kernel takes {@code widest} vectors (8 or 4) per call. */
    static KernelRace of(Class<?> type, int widest) {
        return BY_TYPE.computeIfAbsent(type, t -> new KernelRace(widest, KernelRace::jitSettled));
    }

    /** The kernel raced against one taking {@code widest} vectors per call: four for eight, else one at a time. */
    static int narrower(int widest) {
        return widest == 8 ? 4 : 1;
    }

    private static String name(int width) {
        return switch (width) {
            case 8 -> "eights";
            case 4 -> "fours";
            default -> "ones";
        };
    }

    /** Every type's race so far in this JVM, by type name (e.g. Q8_0), for reports such as {@code muse bench}. */
    static List<Tensor.BatchKernelChoice> outcomes() {
        List<Tensor.BatchKernelChoice> out = new ArrayList<>();
        BY_TYPE.forEach((type, race) -> out.add(race.outcome(type.getSimpleName().replace("Tensor", ""))));
        out.sort(Comparator.comparing(Tensor.BatchKernelChoice::type));
        return out;
    }

    private synchronized Tensor.BatchKernelChoice outcome(String type) {
        String first = name(widest), second = name(narrower(widest));
        String choice = !decided ? "undecided" : logRatio <= 0 ? first : second;
        return new Tensor.BatchKernelChoice(type, List.of(first, second), choice, samples == 0 ? Double.NaN : Math.exp(logRatio), samples);
    }

    /** Vectors per call of the first kernel (8 or 4); the second takes {@link #narrower} of it. */
    private final int widest;
    private final BooleanSupplier settled;
    private final double[] window = new double[WINDOW];
    private int samples, entries;
    /** Median of the window: log(time of the first kernel / time of the second) per unit of work; 0 before any sample. */
    private double logRatio;
    private boolean decided;

    KernelRace(int widest, BooleanSupplier settled) {
        this.widest = widest;
        this.settled = settled;
    }

    /** One matrix's side of the race: its last time per unit of work and which kernel it ran. */
    static final class Entry {
        private final KernelRace race;
        /** Offsets this matrix's turns from the others': half start with each kernel, re-tries spread over steps. */
        private final int turn;
        private int calls;
        private boolean ranFirst;
        private double lastSeconds = Double.NaN;
        private final long[] runs = new long[2];

        Entry(KernelRace race) {
            this.race = race;
            synchronized (race) {
                turn = race.entries++;
            }
        }

        /** Whether this call should take the first kernel. */
        boolean pickFirst() {
            return race.pick(this);
        }

        /** Records a call's time; {@code work} is any measure of its size that grows linearly with the time. */
        void record(boolean first, long nanos, double work) {
            race.record(this, first, nanos, work);
        }

        /** How many calls of this matrix took the first ({@code true}) or the second kernel. */
        long runs(boolean first) {
            return runs[first ? 0 : 1];
        }
    }

    private synchronized boolean pick(Entry e) {
        int c = e.calls++ + e.turn;
        if (!decided) return (c & 1) == 0;
        boolean firstWins = logRatio <= 0;
        return c % retryEvery() == 0 ? !firstWins : firstWins;
    }

    /** Calls of a matrix per re-try of the losing kernel: about 1% of the time goes to re-trying. */
    synchronized int retryEvery() {
        double slower = Math.exp(Math.abs(logRatio)) - 1;
        return (int) Math.max(MIN_RETRY, Math.min(MAX_RETRY, Math.round(100 * slower)));
    }

    private synchronized void record(Entry e, boolean first, long nanos, double work) {
        double seconds = nanos / work;
        boolean paired = e.ranFirst != first && e.lastSeconds > 0 && seconds > 0; // NaN before the matrix's first call
        if (paired && settled.getAsBoolean()) {
            window[samples++ % WINDOW] = Math.log(first ? seconds / e.lastSeconds : e.lastSeconds / seconds);
            double[] sorted = Arrays.copyOf(window, Math.min(samples, WINDOW));
            Arrays.sort(sorted);
            int n = sorted.length;
            logRatio = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            decided |= samples >= DECIDE_AFTER || samples >= DECIDE_EARLY && Math.abs(logRatio) >= Math.log(EARLY_RATIO);
        }
        e.ranFirst = first;
        e.lastSeconds = seconds;
        e.runs[first ? 0 : 1]++;
    }

    /** Whether the first kernel is the current choice (or would be, if the race were decided now). */
    synchronized boolean firstLeads() {
        return logRatio <= 0;
    }

    synchronized boolean decided() {
        return decided;
    }

    synchronized int samples() {
        return samples;
    }

    private static final JitWatch JIT = new JitWatch(QUIET_NANOS, MAX_WAIT_NANOS);

    /** Whether the JVM's JIT has settled ({@link JitWatch}, waiting at most {@link #MAX_WAIT_NANOS}); shared by every race. */
    static boolean jitSettled() {
        return JIT.settled();
    }
}
