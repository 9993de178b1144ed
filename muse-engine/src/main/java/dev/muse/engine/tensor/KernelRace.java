package dev.muse.engine.tensor;

/**
 * Chooses, in the running JVM, between two kernels whose results are bit-identical — a type's eight-vector kernel,
 * or its four-vector kernel twice — by timing both on the same matrices.
 *
 * <p>Why measure rather than decide once: C2 compiles these large Vector API kernels well in most JVM starts, but in
 * some it leaves part of one on the Vector API's Java fallback (the engine README's JIT note), and that kernel then
 * runs 1.2 to 9 times slower for the life of the process. Which kernel it hits differs from start to start, so the
 * one that came out well is kept.
 *
 * <p>How: each matrix ({@link Entry}) alternates the two kernels on its own calls, half the matrices starting with
 * each, so both kernels are used (and compiled) from the first pass over a model on; two consecutive calls of one
 * matrix with different kernels give a sample of log(time first / time second). After a warm-up (while the JIT compiles
 * the kernels, samples are not taken) and {@link #DECIDE_AFTER} samples per type, the kernel with the lower mean
 * runs, and the other is re-tried on one call in {@link #CLOSE_RETRY} of each matrix (one in {@link #FAR_RETRY} when
 * it was more than 1.5× slower), so a later recompilation that changes the order is noticed.
 */
final class KernelRace {
    /** Calls per type before samples count: the JIT is still compiling both kernels. */
    static final int WARM_UP_CALLS = 1000;
    /** Samples per type before the first decision. */
    static final int DECIDE_AFTER = 64;
    /** Weight of a new sample in the running mean of log time ratios. */
    static final double WEIGHT = 1.0 / 16;
    /** A sample counts for at most a factor e either way, so one preempted call cannot flip the choice alone. */
    static final double CLAMP = 1.0;
    /** How often a matrix re-tries the losing kernel: while it is within 1.5× of the winner, and when it is not. */
    static final int CLOSE_RETRY = 32, FAR_RETRY = 256;

    private static final ClassValue<KernelRace> BY_TYPE = new ClassValue<>() {
        @Override
        protected KernelRace computeValue(Class<?> type) {
            return new KernelRace();
        }
    };

    /** The race of one tensor type (one pair of kernels shared by all its matrices). */
    static KernelRace of(Class<?> type) {
        return BY_TYPE.get(type);
    }

    private long calls;
    private int samples, entries;
    /** Running mean of log(time of the first kernel / time of the second) per unit of work. */
    private double logRatio;

    /** One matrix's side of the race: its last time per unit of work and which kernel it ran. */
    static final class Entry {
        private final KernelRace race;
        /** Offsets this matrix's turns from the others': half start with each kernel, re-tries spread over passes. */
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
        if (samples < DECIDE_AFTER) return (c & 1) == 0;
        boolean firstWins = logRatio <= 0;
        int retry = Math.abs(logRatio) < Math.log(1.5) ? CLOSE_RETRY : FAR_RETRY;
        return c % retry == retry - 1 ? !firstWins : firstWins;
    }

    private synchronized void record(Entry e, boolean first, long nanos, double work) {
        double seconds = nanos / work;
        boolean paired = e.runs[0] + e.runs[1] > 0 && e.ranFirst != first && e.lastSeconds > 0 && seconds > 0;
        if (++calls > WARM_UP_CALLS && paired) {
            double sample = Math.log(first ? seconds / e.lastSeconds : e.lastSeconds / seconds);
            sample = Math.max(-CLAMP, Math.min(CLAMP, sample));
            logRatio = samples == 0 ? sample : logRatio + (sample - logRatio) * WEIGHT;
            samples++;
        }
        e.ranFirst = first;
        e.lastSeconds = seconds;
        e.runs[first ? 0 : 1]++;
    }

    /** Whether the first kernel is currently the choice (before {@link #DECIDE_AFTER} samples: not yet decided). */
    synchronized boolean firstLeads() {
        return logRatio <= 0;
    }

    synchronized int samples() {
        return samples;
    }
}
