package dev.muse.core;

/**
 * A backend call failed. The message names the backend and says what went wrong and what to do, so the CLI and
 * server can show it as it is.
 */
public class ModelException extends RuntimeException {

    public enum Kind {
        /** bad or missing API key (401/403) */
        AUTH,
        /** unknown model or endpoint (404) */
        NOT_FOUND,
        /** host unreachable, connection refused, DNS failure */
        UNREACHABLE,
        /** 429 after retries */
        RATE_LIMITED,
        /** no answer within the timeout */
        TIMEOUT,
        /** the backend rejected the request (400/422) */
        BAD_REQUEST,
        /** 5xx after retries */
        SERVER,
        /** the response did not follow the protocol (bad JSON, a stream cut short) */
        PROTOCOL,
        CANCELLED,
        /** the request asks for something the backend cannot do */
        UNSUPPORTED
    }

    private final String backend;
    private final Kind kind;

    public ModelException(String backend, Kind kind, String message, Throwable cause) {
        super(backend == null ? message : backend + ": " + message, cause);
        this.backend = backend;
        this.kind = kind;
    }

    public String backend() {
        return backend;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether retrying the same call may succeed. */
    public boolean retryable() {
        return kind == Kind.RATE_LIMITED || kind == Kind.SERVER || kind == Kind.TIMEOUT || kind == Kind.PROTOCOL
                || kind == Kind.UNREACHABLE;
    }
}
