package dev.muse.core;

/** Receives a run's events. Called from many threads at once in Contemplating: implementations must be thread-safe. */
@FunctionalInterface
public interface StreamListener {
    StreamListener NONE = e -> {};

    void on(StreamEvent event);

    /** A listener that attributes every untagged event to {@code agentId} before passing it on. */
    default StreamListener forAgent(String agentId) {
        StreamListener self = this;
        return e -> self.on(StreamEvent.tag(e, agentId));
    }
}
