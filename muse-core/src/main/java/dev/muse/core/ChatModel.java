package dev.muse.core;

/**
 * The one seam for every model: remote servers, the embedded engine and test stand-ins. A backend implements
 * {@link #generate}; callers use {@link #chat} or {@link #stream}.
 *
 * <p>{@code request.n()} asks for that many samples of one prompt: the engine shares the prompt's KV cache
 * across them, remote backends send {@code n} or make concurrent calls. Events for sample {@code i} carry
 * {@code choice = i}.
 */
public interface ChatModel {

    /** A short name that identifies this backend in messages, traces and reports, e.g. "openai:gpt-4o-mini". */
    String name();

    Capabilities capabilities();

    /**
     * Runs one request. Streams deltas to {@code listener} as they arrive (backends that cannot stream emit the
     * whole text as one delta) and returns the complete response. Emits one {@link StreamEvent.UsageReport}
     * per backend call. Throws {@link ModelException} on failure.
     */
    ChatResponse generate(ChatRequest request, StreamListener listener);

    default ChatResponse chat(ChatRequest request) {
        return generate(request, StreamListener.NONE);
    }

    default ChatResponse stream(ChatRequest request, StreamListener listener) {
        return generate(request, listener == null ? StreamListener.NONE : listener);
    }

    /** Releases connections, threads or mapped files. */
    default void close() {}
}
