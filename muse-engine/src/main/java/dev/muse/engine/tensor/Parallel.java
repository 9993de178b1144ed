package dev.muse.engine.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one helper that splits work over threads: a range of rows cut into contiguous chunks that threads claim.
 *
 * <p>Decoding a token runs a hundred or more short products one after the other (tens of microseconds each), so
 * handing work to the helpers must cost less than that: they spin for a moment after each job, as llama.cpp's
 * threads do, and only park when no work came for {@link #SPIN_NANOS}. (A fork-join pool, whose idle workers park
 * at once, cost 25–35 µs per hand-over on a 2-core VM: a tenth of a 1B model's decoding time.)
 */
public final class Parallel implements AutoCloseable {

    /** Work on rows {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static final Parallel SERIAL = new Parallel(1);
    /** Rows per chunk at the least: whole register blocks and row groups for the kernels. */
    static final int MIN_CHUNK = 16;
    /** How long an idle helper keeps spinning for the next job before it parks (the gaps inside a decode step are shorter). */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Helper[] helpers;
    /** Taken by the thread handing out a job; a second caller at the same time (or a nested call) runs inline. */
    private final AtomicBoolean dispatching = new AtomicBoolean();
    private volatile Job job;
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.helpers = new Helper[threads - 1];
        for (int t = 0; t < helpers.length; t++) {
            helpers[t] = new Helper();
            helpers[t].thread = Thread.ofPlatform().daemon().name("muse-parallel-" + (t + 1)).unstarted(helpers[t]);
            helpers[t].thread.start();
        }
    }

    public static Parallel serial() {
        return SERIAL;
    }

    public static Parallel ofAllCores() {
        return new Parallel(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks that the caller's thread and the helpers claim one at a time: a
     * thread slowed by other work on the machine takes fewer chunks instead of holding everyone up at the end. Each
     * claim takes a share of what is left (1/(2·threads), guided self-scheduling), so chunks shrink towards the end
     * and the threads finish within a small chunk of each other. Chunk bounds are multiples of 16 rows. Returns when
     * every chunk has run; the first exception thrown by any chunk is rethrown here.
     */
    public void forRange(int n, Range body) {
        forRange(n, MIN_CHUNK, body);
    }

    /**
     * {@link #forRange(int, Range)} with chunks of at least {@code minChunk} rows (a multiple of 16) where {@code n}
     * leaves every thread two chunks that size; smaller ranges keep 16-row chunks. For work that streams memory, so
     * each chunk is one long read the hardware prefetchers follow rather than a run of short ones.
     */
    public void forRange(int n, int minChunk, Range body) {
        run(n, Math.max(MIN_CHUNK, Math.min(minChunk, n / (2 * threads)) & ~(MIN_CHUNK - 1)), MIN_CHUNK, body);
    }

    /**
     * {@link #forRange} for {@code n} coarse jobs (each worth microseconds, such as one attention head over a
     * sequence): chunks of whole jobs, from one up, so that even a few jobs are shared between the threads.
     */
    public void forJobs(int n, Range body) {
        run(n, 1, 1, body);
    }

    /** Chunks of at least {@code min} and a multiple of {@code granule} (a power of two) claimed as {@link #forRange} says. */
    private void run(int n, int min, int granule, Range body) {
        if (n < 2 * min || helpers.length == 0 || closed || !dispatching.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            Job j = new Job(n, 2 * threads, min, granule, body);
            job = j;
            for (Helper h : helpers) {
                if (h.parked) LockSupport.unpark(h.thread);
            }
            j.work();
            // every chunk is claimed now; wait for helpers still running theirs (a helper that comes later claims none)
            while (j.running.get() > 0) Thread.onSpinWait();
            if (j.failure != null) {
                if (j.failure instanceof RuntimeException e) throw e;
                if (j.failure instanceof Error e) throw e;
                throw new IllegalStateException(j.failure);
            }
        } finally {
            dispatching.set(false);
        }
    }

    /** The helper threads, for tests. */
    Thread[] helperThreads() {
        Thread[] out = new Thread[helpers.length];
        for (int t = 0; t < out.length; t++) out[t] = helpers[t].thread;
        return out;
    }

    @Override
    public void close() {
        closed = true;
        for (Helper h : helpers) LockSupport.unpark(h.thread);
    }

    /** One call's chunks; {@code running} counts the helpers inside {@link #work} (they enter before claiming). */
    private static final class Job {
        final int n, shares, min, granule;
        final Range body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        volatile Throwable failure;

        Job(int n, int shares, int min, int granule, Range body) {
            this.n = n;
            this.shares = shares;
            this.min = min;
            this.granule = granule;
            this.body = body;
        }

        void work() {
            try {
                for (int from; (from = next.get()) < n; ) {
                    int to = Math.min(n, from + Math.max(min, (n - from) / shares & -granule));
                    if (next.compareAndSet(from, to)) body.run(from, to);
                }
            } catch (Throwable t) {
                if (failure == null) failure = t;
                next.set(n); // the others stop claiming
            }
        }
    }

    private final class Helper implements Runnable {
        Thread thread;
        volatile boolean parked;

        @Override
        public void run() {
            Job done = null;
            while (!closed) {
                Job j = job;
                if (j == done) {
                    j = await(done);
                    if (j == null) continue;
                }
                j.running.incrementAndGet();
                j.work();
                j.running.decrementAndGet();
                done = j;
            }
        }

        /** Spins for a new job, then parks; null when woken without one (closing, or spuriously). */
        private Job await(Job done) {
            long until = System.nanoTime() + SPIN_NANOS;
            do {
                Job j = job;
                if (j != done) return j;
                Thread.onSpinWait();
            } while (System.nanoTime() < until);
            parked = true; // the dispatcher reads this after publishing: either it unparks us or we see its job
            Job j = job;
            if (j == done && !closed) LockSupport.park(this);
            parked = false;
            j = job;
            return j != done ? j : null;
        }
    }
}
