package dev.muse.engine.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;

/** The one helper that splits work over threads: a range of rows cut into contiguous chunks that threads claim. */
public final class Parallel implements AutoCloseable {

    /** Work on rows {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static final Parallel SERIAL = new Parallel(1);
    /** Chunks per thread: enough to even out a busy core, few enough that claiming them costs nothing. */
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final ForkJoinPool pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads - 1);
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
     * Runs {@code body} over {@code [0, n)} in chunks that the caller's thread and the pool's threads claim one at a
     * time: a thread slowed by other work on the machine takes fewer chunks instead of holding everyone up at the end.
     * Chunk bounds are multiples of 16 rows (whole register blocks for the kernels).
     */
    public void forRange(int n, Range body) {
        int chunks = Math.min(threads * CHUNKS_PER_THREAD, Math.max(1, n / 16));
        if (chunks <= 1 || pool == null) {
            body.run(0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int c; (c = next.getAndIncrement()) < chunks; ) body.run(bound(n, c, chunks), bound(n, c + 1, chunks));
        };
        ForkJoinTask<?>[] helpers = new ForkJoinTask<?>[threads - 1];
        for (int t = 0; t < helpers.length; t++) helpers[t] = pool.submit(worker);
        worker.run();
        for (ForkJoinTask<?> t : helpers) t.join();
    }

    /** Start of chunk {@code c} of {@code chunks} over {@code [0, n)}. */
    private static int bound(int n, int c, int chunks) {
        return c == chunks ? n : (int) ((long) n * c / chunks) & ~15;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }
}
