package dev.muse.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cancel signal shared by a run and every backend call under it. Backends register a hook that aborts their
 * HTTP exchange (or stops decoding); cancelling runs every hook once. Children cancel with their parent.
 */
public final class Cancellation {
    /** A signal that is never raised. */
    public static final Cancellation NONE = new Cancellation(true);

    private final boolean inert;
    private final List<Runnable> hooks = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;
    private volatile String reason;

    private Cancellation(boolean inert) {
        this.inert = inert;
    }

    public Cancellation() {
        this(false);
    }

    /** A new signal that is raised when this one is (but can also be raised alone). */
    public Cancellation child() {
        Cancellation c = new Cancellation();
        onCancel(() -> c.cancel(reason));
        return c;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public String reason() {
        return reason;
    }

    public void cancel(String why) {
        if (inert) return;
        synchronized (this) {
            if (cancelled) return;
            reason = why == null ? "cancelled" : why;
            cancelled = true;
        }
        for (Runnable r : hooks) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // one failing hook must not stop the others from aborting their calls
            }
        }
    }

    /** Runs {@code hook} when cancelled (at once if already cancelled). Returns a handle that unregisters it. */
    public AutoCloseable onCancel(Runnable hook) {
        if (inert) return () -> {};
        hooks.add(hook);
        if (cancelled) hook.run();
        return () -> hooks.remove(hook);
    }

    /** Throws {@link ModelException} of kind CANCELLED if cancelled. */
    public void throwIfCancelled(String where) {
        if (cancelled) throw new ModelException(where, ModelException.Kind.CANCELLED, "cancelled: " + reason, null);
    }
}
