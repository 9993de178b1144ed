package dev.muse.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
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

    private static KernelRace settledRace() {
        return new KernelRace(8, () -> true);
    }

    @Test
    void each_matrix_should_alternate_the_kernels_until_the_race_is_decided() {
        // half the matrices start with each kernel, so one pass over a model compiles both
        KernelRace.Entry[] es = matrices(settledRace());
        for (int i = 0; i < es.length; i++) {
            boolean start = i % 2 == 0;
            assertThat(es[i].pickFirst()).as("matrix %d", i).isEqualTo(start);
            assertThat(es[i].pickFirst()).isEqualTo(!start);
            assertThat(es[i].pickFirst()).isEqualTo(start);
        }
    }

    @Test
    void a_close_race_should_be_decided_after_enough_samples_and_the_loser_retried_one_call_in_32() {
        KernelRace race = settledRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.DECIDE_AFTER + 3, 1_100, 1_000); // each matrix's first call pairs with nothing
        assertThat(race.decided()).as("1.1x apart after %d samples", race.samples()).isFalse();
        run(es, 1, 1_100, 1_000);
        assertThat(race.decided()).isTrue();
        assertThat(race.firstLeads()).as("the first kernel takes 10% longer").isFalse();
        assertThat(race.retryEvery()).isEqualTo(KernelRace.MIN_RETRY);
        int calls = 100 * KernelRace.MIN_RETRY;
        assertThat(run(es, calls, 1_100, 1_000)).isBetween(calls / KernelRace.MIN_RETRY - es.length,
                calls / KernelRace.MIN_RETRY + es.length);
    }

    @Test
    void a_clearly_faster_kernel_should_win_early() {
        // a four-vector kernel against one vector at a time: 0.7x the time, decided after DECIDE_EARLY samples
        KernelRace race = settledRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.DECIDE_EARLY + es.length + 2, 700, 1_000); // each matrix's first call pairs with nothing
        assertThat(race.samples()).isLessThan(KernelRace.DECIDE_AFTER);
        assertThat(race.decided()).as("0.7x after %d samples", race.samples()).isTrue();
        assertThat(race.firstLeads()).isTrue();
    }

    @Test
    void a_far_slower_kernel_should_be_dropped_early_and_retried_rarely() {
        // a bad compile: the first kernel 50 times slower; re-trying it must cost about 1%, not half the time
        KernelRace race = settledRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.DECIDE_EARLY + 4, 50_000, 1_000);
        assertThat(race.decided()).isTrue();
        assertThat(race.firstLeads()).isFalse();
        assertThat(race.retryEvery()).isEqualTo(4_900);
        int calls = 10 * 4_900;
        int first = run(es, calls, 50_000, 1_000);
        assertThat(first).isBetween(10 - es.length, 10 + es.length);
        double spent = first * 50_000.0 / ((calls - first) * 1_000.0);
        assertThat(spent).as("time on re-tries, as a fraction of the rest").isLessThan(0.015);
    }

    @Test
    void the_choice_should_follow_when_the_kernels_change_places() {
        // a late recompilation: the kernel that was slower becomes the faster one
        KernelRace race = settledRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.DECIDE_AFTER + 2, 3_000, 1_000);
        assertThat(race.firstLeads()).isFalse();
        run(es, 6 * race.retryEvery() * es.length, 1_000, 2_000);
        assertThat(race.firstLeads()).as("the first kernel is now twice as fast").isTrue();
        int calls = 10 * KernelRace.MIN_RETRY;
        assertThat(run(es, calls, 1_000, 2_000)).isGreaterThan(calls * 9 / 10);
    }

    @Test
    void one_preempted_call_should_not_flip_the_choice() {
        KernelRace race = settledRace();
        KernelRace.Entry[] es = matrices(race);
        run(es, KernelRace.DECIDE_AFTER + 4, 1_300, 1_000);
        assertThat(race.firstLeads()).isFalse();
        // the faster kernel's call stalls for 100 times its time, right after the slower one ran on this matrix
        KernelRace.Entry e = es[0];
        while (!e.pickFirst()) e.record(false, 1_000, 1.0);
        e.record(true, 1_300, 1.0);
        e.record(false, 100_000, 1.0);
        assertThat(race.firstLeads()).isFalse();
    }

    @Test
    void timings_while_the_jit_compiles_should_not_count() {
        // while the JIT compiles, the first kernel looks fifty times slower; only what follows decides
        AtomicBoolean settled = new AtomicBoolean(false);
        KernelRace race = new KernelRace(8, settled::get);
        KernelRace.Entry[] es = matrices(race);
        run(es, 1_000, 50_000, 1_000);
        assertThat(race.samples()).isZero();
        assertThat(race.decided()).isFalse();
        settled.set(true);
        run(es, KernelRace.DECIDE_AFTER + 2, 1_000, 1_500);
        assertThat(race.decided()).isTrue();
        assertThat(race.firstLeads()).isTrue();
    }

    @Test
    void the_jit_should_settle_in_a_quiet_jvm() throws InterruptedException {
        // a fresh watch: not settled when first asked; nothing new to compile here after a moment, so the real probe
        // must say so well before its 20 s cap
        JitWatch watch = new JitWatch(KernelRace.QUIET_NANOS, KernelRace.MAX_WAIT_NANOS);
        assertThat(watch.settled()).as("first look").isFalse();
        long deadline = System.nanoTime() + 10_000_000_000L;
        boolean settled = false;
        while (!settled && System.nanoTime() < deadline) {
            Thread.sleep(50);
            settled = watch.settled();
        }
        assertThat(settled).isTrue();
    }
}
