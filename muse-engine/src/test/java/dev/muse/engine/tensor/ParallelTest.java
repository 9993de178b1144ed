package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The work splitter: every index runs exactly once, whatever the thread count and range length. */
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
    void chunks_after_the_first_should_start_on_a_multiple_of_16() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray starts = new AtomicIntegerArray(1000);
            p.forRange(1000, (from, to) -> starts.incrementAndGet(from));
            for (int i = 0; i < 1000; i++) if (starts.get(i) > 0) assertThat(i % 16).as("chunk start %d", i).isZero();
        }
    }

    @Test
    void a_thread_count_below_one_should_be_refused_with_the_value() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Parallel(0)).hasMessageContaining("got 0");
    }
}
