package dev.muse.engine.tensor;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Says when the JVM's JIT has settled: it has compiled nothing for {@code quietNanos} — the kernels in use then run
 * C2's code, not C1's (which for the Vector API kernels is the Java fallback, up to a hundred times slower) — or
 * {@code maxWaitNanos} after it was first asked. Without the compilation-time counter (a runtime image without
 * {@code java.management}), ten times the quiet time after the first ask. Used by {@link KernelRace} (timings count
 * only once the JIT is idle) and by benchmarks that warm up until then.
 */
public final class JitWatch {
    private final long quietNanos, maxWaitNanos;
    private long jitMillis = -1, changedAt, firstAsked;

    public JitWatch(long quietNanos, long maxWaitNanos) {
        this.quietNanos = quietNanos;
        this.maxWaitNanos = maxWaitNanos;
    }

    public synchronized boolean settled() {
        long now = System.nanoTime();
        if (firstAsked == 0) firstAsked = now;
        if (now - firstAsked > maxWaitNanos) return true;
        long millis;
        try {
            millis = JitClock.totalCompileMillis();
        } catch (LinkageError e) { // the clock's class could not be loaded
            millis = -1;
        }
        if (millis < 0) return now - firstAsked > quietNanos * 10;
        if (millis != jitMillis) {
            jitMillis = millis;
            changedAt = now;
            return false;
        }
        return now - changedAt >= quietNanos;
    }

    /** The JVM's total compilation time, in a class of its own so a runtime without java.management only loses it. */
    private static final class JitClock {
        private static final CompilationMXBean BEAN = bean();

        private static CompilationMXBean bean() {
            try {
                CompilationMXBean b = ManagementFactory.getCompilationMXBean();
                return b != null && b.isCompilationTimeMonitoringSupported() ? b : null;
            } catch (LinkageError | RuntimeException e) {
                return null;
            }
        }

        static long totalCompileMillis() {
            try {
                return BEAN == null ? -1 : BEAN.getTotalCompilationTime();
            } catch (LinkageError | RuntimeException e) {
                return -1;
            }
        }
    }
}
