package dev.muse.testkit;

/**
 * Scripts a stand-in server. Called once per sample: a request with {@code n = 3} served natively calls it three
 * times with {@link RecordedRequest#sampleIndex()} 0, 1 and 2 (sample 0 first). A fault (an HTTP error status or a
 * stall before the headers) is taken from sample 0's reply. Must be thread-safe: requests arrive concurrently.
 */
@FunctionalInterface
public interface Responder {
    Reply reply(RecordedRequest request);

    /** Always the same reply. */
    static Responder always(Reply reply) {
        return r -> reply;
    }

    /** Replies in turn from {@code replies} by arrival order of calls, repeating the last one when they run out. */
    static Responder sequence(Reply... replies) {
        if (replies.length == 0) throw new IllegalArgumentException("sequence needs at least one reply");
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        return r -> replies[Math.min(next.getAndIncrement(), replies.length - 1)];
    }
}
