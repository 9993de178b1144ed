package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The race between two bit-identical kernels, fed made-up timings (its use on real kernels: RowGroupKernelTest). */
class KernelRaceTest {
    /** Four matrices taking turns, each call timed as the given kernel's cost; returns how many calls took the first. */
    private static int run(KernelRace.Entry[] matrices, int calls, long firstNanos, long secondNanos) {
        int first = 0;
        for (int c = 0; c < calls; c++) {
            KernelRace.Entry e = matrices[c % matrices.length];
            boolean pick = e.pickFirst();
            if (pick) first++;
            e.record(pick, pick ? firstNanos : secondNanos, 1.0);
        }
        return first;
    }

    private static KernelRace.Entry[] matrices(KernelRace race) {
        KernelRace.Entry[] es = new KernelRace.Entry[4];
        for (int i = 0; i < es.length; i++) es[i] = new KernelRace.Entry(race);
        return es;
    }

    @Test
    void each_matrix_should_alternate_the_kernels_until_the_race_is_decided() {
        // half the matrices start with each kernel, so one pass over a model compiles both
        KernelRace.Entry[] es = matrices(new KernelRace());
        for (int i = 0; i < es.length; i++) {
            boolean start = i % 2 == 0;
            assertThat(es[i].pickFirst()).as("matrix %d", i).isEqualTo(start);
            assertThat(es[i].pickFirst()).isEqualTo(!start);
            assertThat(es[i].pickFirst()).isEqualTo(start);
        }
    }

    @Test
    void the_faster_kernel_should_run_once_decided_and_the_slower_only_as_a_retry() {
        KernelRace race = new KernelRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.WARM_UP_CALLS + 2 * KernelRace.DECIDE_AFTER, 2_000, 1_000);
        assertThat(race.samples()).isGreaterThanOrEqualTo(KernelRace.DECIDE_AFTER);
        assertThat(race.firstLeads()).as("the first kernel takes twice as long").isFalse();
        int calls = 100 * KernelRace.FAR_RETRY;
        int first = run(es, calls, 2_000, 1_000);
        assertThat(first).as("retries of the slower kernel, one call in %d", KernelRace.FAR_RETRY)
                .isBetween(calls / KernelRace.FAR_RETRY - es.length, calls / KernelRace.FAR_RETRY + es.length);
    }

    @Test
    void a_close_race_should_retry_the_loser_more_often() {
        KernelRace race = new KernelRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.WARM_UP_CALLS + 2 * KernelRace.DECIDE_AFTER, 1_100, 1_000);
        assertThat(race.firstLeads()).isFalse();
        int calls = 100 * KernelRace.CLOSE_RETRY;
        assertThat(run(es, calls, 1_100, 1_000)).isBetween(calls / KernelRace.CLOSE_RETRY - es.length,
                calls / KernelRace.CLOSE_RETRY + es.length);
    }

    @Test
    void the_choice_should_follow_when_the_kernels_change_places() {
        // a late recompilation: the kernel that was slower becomes the faster one
        KernelRace race = new KernelRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.WARM_UP_CALLS + 2 * KernelRace.DECIDE_AFTER, 3_000, 1_000);
        assertThat(race.firstLeads()).isFalse();
        run(es, 20 * KernelRace.FAR_RETRY, 1_000, 2_000);
        assertThat(race.firstLeads()).as("the first kernel is now twice as fast").isTrue();
        int calls = 10 * KernelRace.CLOSE_RETRY;
        assertThat(run(es, calls, 1_000, 2_000)).isGreaterThan(calls * 9 / 10);
    }

    @Test
    void one_preempted_call_should_not_flip_the_choice() {
        KernelRace race = new KernelRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.WARM_UP_CALLS + 4 * KernelRace.DECIDE_AFTER, 1_300, 1_000);
        assertThat(race.firstLeads()).isFalse();
        // the faster kernel's call stalls for 100 times its time, right after the slower one ran on this matrix
        KernelRace.Entry e = es[0];
        while (!e.pickFirst()) e.record(false, 1_000, 1.0);
        e.record(true, 1_300, 1.0);
        e.record(false, 100_000, 1.0);
        assertThat(race.firstLeads()).isFalse();
    }

    @Test
    void timings_before_the_warm_up_ends_should_not_count() {
        // while the JIT compiles, the first kernel looks ten times slower; only what follows decides
        KernelRace race = new KernelRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.WARM_UP_CALLS, 10_000, 1_000);
        assertThat(race.samples()).isZero();
        run(es, 2 * KernelRace.DECIDE_AFTER + 2, 1_000, 1_500);
        assertThat(race.firstLeads()).isTrue();
    }
}
