package dev.muse.engine;

/**
 * Options of the embedded engine, overridable by {@code -Dmuse.engine.threads} and
 * {@code -Dmuse.engine.context} (read only in {@link #defaults()}).
 *
 * @param threads worker threads for the matrix products; at least 1
 * @param contextLength KV positions per sequence; 0 means the model's own context length, capped at 4096
 */
public record EngineOptions(int threads, int contextLength) {
    public EngineOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (contextLength < 0) throw new IllegalArgumentException("context length must be 0 (model default) or positive, got " + contextLength);
    }

    public static EngineOptions defaults() {
        int threads = Integer.getInteger("muse.engine.threads", Runtime.getRuntime().availableProcessors());
        int context = Integer.getInteger("muse.engine.context", 0);
        return new EngineOptions(Math.max(1, threads), Math.max(0, context));
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(t, contextLength);
    }

    public EngineOptions withContextLength(int c) {
        return new EngineOptions(threads, c);
    }

    int effectiveContext(int modelContext) {
        int c = contextLength == 0 ? Math.min(modelContext, 4096) : contextLength;
        return Math.min(c, modelContext);
    }
}
