package dev.muse.reasoning;

import dev.muse.core.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * The trace while it is being written: mutable, thread-safe nodes that agents on many threads append to, frozen
 * into {@link TraceNode}s at the end. A node's usage is its own (backend calls) plus its children's.
 */
final class Trace {
    private Trace() {}

    static final class Node {
        final String id;
        final String kind;
        final String label;
        final long startNanosOfRun;
        private final long startNanos = System.nanoTime();
        private final List<Node> children = new ArrayList<>();
        private String model;
        private Usage ownUsage = Usage.ZERO;
        private long elapsedMillis = -1;
        private String input;
        private String output;
        private String reasoning;
        private String error;

        Node(String id, String kind, String label, long runStartNanos) {
            this.id = id;
            this.kind = kind;
            this.label = label;
            this.startNanosOfRun = runStartNanos;
        }

        Node child(String id, String kind, String label) {
            Node n = new Node(id, kind, label, startNanosOfRun);
            synchronized (this) {
                children.add(n);
            }
            return n;
        }

        synchronized Node model(String v) {
            model = v;
            return this;
        }

        synchronized Node input(String v) {
            input = v;
            return this;
        }

        synchronized Node output(String v) {
            output = v;
            return this;
        }

        synchronized Node reasoning(String v) {
            reasoning = v;
            return this;
        }

        synchronized Node error(String v) {
            error = v;
            return this;
        }

        synchronized Node addUsage(Usage u) {
            ownUsage = ownUsage.plus(u);
            return this;
        }

        synchronized void end() {
            if (elapsedMillis < 0) elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        }

        synchronized TraceNode freeze() {
            List<TraceNode> frozen = new ArrayList<>();
            Usage total = ownUsage;
            for (Node c : children) {
                TraceNode f = c.freeze();
                frozen.add(f);
                total = total.plus(f.usage());
            }
            long elapsed = elapsedMillis >= 0 ? elapsedMillis : (System.nanoTime() - startNanos) / 1_000_000;
            return new TraceNode(id, kind, label, model, total, (startNanos - startNanosOfRun) / 1_000_000, elapsed,
                    input, output, reasoning, error, frozen);
        }
    }

    /** Shortens text for a trace field: traces are for reading, the full text lives in the result. */
    static String abbreviate(String s, int max) {
        if (s == null) return null;
        return s.length() <= max ? s : s.substring(0, max) + "… (" + s.length() + " chars)";
    }
}
