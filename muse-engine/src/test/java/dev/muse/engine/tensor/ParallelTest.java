package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The work splitter: every index runs exactly once, whatever the thread count and range length; failures reach the
 * caller; concurrent and nested callers are served; closing ends the helper threads.
 */
class ParallelTest {
    @Test
    void every_index_should_run_exactly_once_for_any_range_and_thread_count() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 15, 16, 17, 31, 32, 100, 1000, 4097}) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(n);
                    p.forRange(n, (from, to) -> {
                        assertThat(from).isLessThanOrEqualTo(to);
                        for (int i = from; i < to; i++) runs.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertThat(runs.get(i)).as("threads %d, n %d, index %d", threads, n, i).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void coarse_jobs_should_each_run_once_and_a_few_should_still_be_split_into_several_chunks() {
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 2, 3, 8, 33}) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(n);
                    List<Integer> chunks = Collections.synchronizedList(new ArrayList<>());
                    p.forJobs(n, (from, to) -> {
                        chunks.add(to - from);
                        for (int i = from; i < to; i++) runs.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertThat(runs.get(i)).as("threads %d, n %d, job %d", threads, n, i).isEqualTo(1);
                    // 8 jobs (a sequence's KV heads): claims take a share of what is left, down to single jobs,
                    // whichever thread claims them; forRange would have run them as one chunk
                    if (n == 8 && threads > 1) assertThat(chunks).as("threads %d", threads).hasSizeGreaterThanOrEqualTo(4);
                }
            }
        }
    }

    @Test
    void chunks_after_the_first_should_start_on_a_multiple_of_16() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray starts = new AtomicIntegerArray(1000);
            p.forRange(1000, (from, to) -> starts.incrementAndGet(from));
            for (int i = 0; i < 1000; i++) if (starts.get(i) > 0) assertThat(i % 16).as("chunk start %d", i).isZero();
        }
    }

    @Test
    void a_minimum_chunk_should_hold_for_every_chunk_but_the_last_and_shrink_for_short_ranges() {
        try (Parallel p = new Parallel(2)) {
            for (int n : new int[] {2048, 1000, 600, 512, 200, 100, 40}) {
                AtomicIntegerArray runs = new AtomicIntegerArray(n);
                List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
                p.forRange(n, 256, (from, to) -> {
                    chunks.add(new int[] {from, to});
                    for (int i = from; i < to; i++) runs.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertThat(runs.get(i)).as("n %d, index %d", n, i).isEqualTo(1);
                // at least 256 rows, or a quarter of the range (two chunks per thread) when that is smaller
                int min = Math.max(16, Math.min(256, n / 4) & ~15);
                for (int[] c : chunks) {
                    if (c[1] < n) assertThat(c[1] - c[0]).as("n %d, chunk %d..%d", n, c[0], c[1]).isGreaterThanOrEqualTo(min);
                }
                if (n >= 64) assertThat(chunks).as("n %d is split", n).hasSizeGreaterThan(1);
            }
        }
    }

    @Test
    void a_thread_count_below_one_should_be_refused_with_the_value() {
        assertThatThrownBy(() -> new Parallel(0)).hasMessageContaining("got 0");
    }

    @Test
    void an_exception_in_a_chunk_should_reach_the_caller_and_leave_the_pool_usable() {
        try (Parallel p = new Parallel(2)) {
            for (int attempt = 0; attempt < 50; attempt++) { // the failing chunk lands on the caller or on a helper
                int bad = 16 * (attempt % 8);
                assertThatThrownBy(() -> p.forRange(128, (from, to) -> {
                    if (from <= bad && bad < to) throw new IllegalStateException("chunk at " + bad);
                })).isInstanceOf(IllegalStateException.class).hasMessage("chunk at " + bad);
            }
            AtomicIntegerArray runs = new AtomicIntegerArray(128);
            p.forRange(128, (from, to) -> {
                for (int i = from; i < to; i++) runs.incrementAndGet(i);
            });
            for (int i = 0; i < 128; i++) assertThat(runs.get(i)).isEqualTo(1);
        }
    }

    @Test
    void callers_on_two_threads_and_nested_calls_should_each_cover_their_range() throws Exception {
        try (Parallel p = new Parallel(2)) {
            CountDownLatch start = new CountDownLatch(1);
            Runnable caller = () -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int rep = 0; rep < 200; rep++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(512);
                    p.forRange(64, (from, to) -> p.forRange(8 * (to - from), (a, b) -> { // nested: runs inline
                        for (int i = 8 * from + a; i < 8 * from + b; i++) runs.incrementAndGet(i);
                    }));
                    for (int i = 0; i < 512; i++) assertThat(runs.get(i)).as("index %d", i).isEqualTo(1);
                }
            };
            CompletableFuture<Void> a = CompletableFuture.runAsync(caller), b = CompletableFuture.runAsync(caller);
            start.countDown();
            CompletableFuture.allOf(a, b).get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void closing_should_end_the_helper_threads() throws Exception {
        Parallel p = new Parallel(3);
        p.forRange(1000, (from, to) -> {});
        p.close();
        assertThat(p.helperThreads()).hasSize(2);
        for (Thread t : p.helperThreads()) t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(p.helperThreads()).noneMatch(Thread::isAlive);
        AtomicIntegerArray runs = new AtomicIntegerArray(100);
        p.forRange(100, (from, to) -> { // still correct after closing: on the caller's thread
            for (int i = from; i < to; i++) runs.incrementAndGet(i);
        });
        for (int i = 0; i < 100; i++) assertThat(runs.get(i)).isEqualTo(1);
    }
}
