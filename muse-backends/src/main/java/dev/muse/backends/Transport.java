package dev.muse.backends;

import dev.muse.core.Cancellation;
import dev.muse.core.ModelException;
import dev.muse.core.ModelException.Kind;
import dev.muse.core.StreamEvent;
import dev.muse.core.StreamListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One code path for every HTTP call the remote backends make: retries with exponential backoff that honour
 * {@code Retry-After}, a timeout for the response to start and for silence while it streams, cancellation that
 * aborts the exchange (the pending future is cancelled, the body stream closed), and errors that say which
 * backend failed and why.
 */
final class Transport implements AutoCloseable {

    /** Reads a successful response body. Throws {@link StreamCut} when the body ends before the protocol says so. */
    @FunctionalInterface
    interface BodyReader<T> {
        T read(InputStream body, Progress progress) throws IOException;
    }

    /** The body ended (or the connection dropped) before the protocol's end. */
    static final class StreamCut extends IOException {
        StreamCut(String message) {
            super(message);
        }
    }

    /** What a reader tells the transport while it reads. */
    static final class Progress {
        private volatile boolean streamed;
        private volatile String contentType = "";

        /** The response's content type, lower case ("" when absent). */
        String contentType() {
            return contentType;
        }

        /** Something already reached the listener: a cut stream can no longer be retried transparently. */
        void streamed() {
            streamed = true;
        }

        boolean hasStreamed() {
            return streamed;
        }
    }

    /** Describes a failed HTTP status in the backend's terms. */
    @FunctionalInterface
    interface StatusMapper {
        ModelException map(int status, String body);
    }

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "muse-http-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final String backend;
    private final URI endpointForMessages;
    private final HttpClient client;
    private final int maxRetries;
    private final Duration retryBaseDelay;
    private final Duration maxRetryWait;

    Transport(String backend, URI endpointForMessages, Duration connectTimeout, int maxRetries, Duration retryBaseDelay,
            Duration maxRetryWait) {
        this.backend = backend;
        this.endpointForMessages = endpointForMessages;
        this.maxRetries = maxRetries;
        this.retryBaseDelay = retryBaseDelay;
        this.maxRetryWait = maxRetryWait;
        // HTTP/1.1: local servers do not speak h2c, and closing the body then closes exactly this call's connection
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
    }

    @Override
    public void close() {
        client.shutdownNow();
    }

    /** Sends {@code request} (retrying as configured) and reads the successful body with {@code reader}. */
    <T> T send(HttpRequest request, Duration timeout, Cancellation cancellation, StreamListener listener, StatusMapper statuses,
            BodyReader<T> reader) {
        int attempts = maxRetries + 1;
        for (int attempt = 1; ; attempt++) {
            throwIfCancelled(cancellation);
            Failure failure;
            try {
                return once(request, timeout, cancellation, statuses, reader);
            } catch (Failure f) {
                failure = f;
            }
            if (!failure.retryable || attempt >= attempts) throw failure.error;
            Duration wait = failure.retryAfter != null ? failure.retryAfter : backoff(attempt);
            if (wait.compareTo(maxRetryWait) > 0) {
                throw new ModelException(backend, failure.error.kind(),
                        failure.error.getMessage().substring(backend.length() + 2) + " (the server asks to wait "
                                + human(wait) + ", more than the " + human(maxRetryWait) + " allowed)", failure.error);
            }
            listener.on(new StreamEvent.Notice(null, backend + ": retrying after " + failure.what + " in " + human(wait)
                    + " (attempt " + (attempt + 1) + "/" + attempts + ")"));
            sleep(wait, cancellation);
        }
    }

    /** A failed attempt, with whether and when to try again. */
    private static final class Failure extends RuntimeException {
        final ModelException error;
        final boolean retryable;
        final Duration retryAfter;
        final String what;

        Failure(ModelException error, boolean retryable, Duration retryAfter, String what) {
            super(null, null, false, false);
            this.error = error;
            this.retryable = retryable;
            this.retryAfter = retryAfter;
            this.what = what;
        }
    }

    private <T> T once(HttpRequest request, Duration timeout, Cancellation cancellation, StatusMapper statuses, BodyReader<T> reader) {
        HttpRequest timed = HttpRequest.newBuilder(request, (n, v) -> true).timeout(timeout).build();
        // The blocking send() on a thread of our own, not sendAsync(): the future sendAsync returns completes on the
        // common ForkJoinPool, which callers may have filled with blocked tasks (on a 2-core machine it has one
        // thread), and then no response ever arrives. Interrupting our thread aborts the exchange.
        CompletableFuture<HttpResponse<InputStream>> future = new CompletableFuture<>();
        Thread sender = Thread.ofVirtual().name("muse-http-send").start(() -> {
            try {
                HttpResponse<InputStream> r = client.send(timed, HttpResponse.BodyHandlers.ofInputStream());
                if (!future.complete(r)) closeQuietly(r.body()); // cancelled meanwhile
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        AtomicReference<InputStream> body = new AtomicReference<>();
        AtomicBoolean timedOut = new AtomicBoolean();
        try (AutoCloseable ignored = cancellation.onCancel(() -> {
            future.cancel(true);
            sender.interrupt();
            closeQuietly(body.get());
        })) {
            HttpResponse<InputStream> response;
            try {
                // the client enforces the timeout itself; the guard makes sure no call can wait forever regardless
                response = future.get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                sender.interrupt();
                throw connectionFailure(new HttpTimeoutException("request timed out"), timeout);
            } catch (CancellationException e) {
                throw cancelled(cancellation);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                future.cancel(true);
                sender.interrupt();
                throw new Failure(new ModelException(backend, Kind.CANCELLED, "cancelled: interrupted", e), false, null, null);
            } catch (ExecutionException e) {
                if (cancellation.isCancelled()) throw cancelled(cancellation);
                throw connectionFailure(e.getCause(), timeout);
            }
            Watchdog watchdog = new Watchdog(timeout, () -> {
                timedOut.set(true);
                closeQuietly(body.get());
            });
            InputStream in = new FilterInputStream(response.body()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    watchdog.touch();
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    watchdog.touch();
                    return n;
                }
            };
            body.set(response.body());
            if (cancellation.isCancelled()) closeQuietly(response.body());
            Progress progress = new Progress();
            try {
                if (response.statusCode() / 100 != 2) {
                    String text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                    throw statusFailure(response, text, statuses);
                }
                String type = response.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
                if (type.startsWith("text/html")) {
                    throw new ModelException(backend, Kind.PROTOCOL, endpointForMessages + " answered with a web page, not an API response"
                            + " — check the base URL (OpenAI-compatible servers usually end in /v1)", null);
                }
                progress.contentType = type;
                return reader.read(in, progress);
            } catch (IOException | ModelException e) {
                if (cancellation.isCancelled()) throw cancelled(cancellation);
                if (timedOut.get()) {
                    throw new Failure(new ModelException(backend, Kind.TIMEOUT, "no data from " + endpointForMessages
                            + " for " + human(timeout) + " while reading the response (timeout; raise it with --timeout)", e),
                            false, null, null);
                }
                if (e instanceof ModelException me) throw new Failure(me, false, null, null);
                String why = e instanceof StreamCut ? e.getMessage() : "the connection dropped mid-response (" + e + ")";
                // a cut before anything reached the listener is retried as if it never happened
                throw new Failure(new ModelException(backend, Kind.PROTOCOL, "stream cut short: " + why
                        + (progress.hasStreamed() ? "; part of the answer was already streamed, so it was not retried" : ""), e),
                        !progress.hasStreamed(), null, "a cut stream");
            } finally {
                watchdog.stop();
                closeQuietly(response.body());
            }
        } catch (Failure | ModelException e) {
            throw e;
        } catch (Exception e) {
            // closing the cancel hook cannot fail; anything else is a bug worth surfacing with its cause
            throw new ModelException(backend, Kind.PROTOCOL, "unexpected failure: " + e, e);
        }
    }

    private Failure statusFailure(HttpResponse<?> response, String body, StatusMapper statuses) {
        int status = response.statusCode();
        ModelException error = statuses.map(status, body);
        boolean retryable = status == 408 || status == 409 || status == 429 || status >= 500;
        Duration after = retryAfter(response);
        return new Failure(error, retryable, after, Integer.toString(status));
    }

    private Failure connectionFailure(Throwable cause, Duration timeout) {
        if (cause instanceof HttpConnectTimeoutException) {
            return new Failure(new ModelException(backend, Kind.UNREACHABLE, "cannot reach " + origin()
                    + ": connecting timed out — is the server running and the address right?", cause), true, null, "a connect timeout");
        }
        if (cause instanceof HttpTimeoutException) {
            return new Failure(new ModelException(backend, Kind.TIMEOUT, "no response from " + endpointForMessages
                    + " within " + human(timeout) + " (timeout; raise it with --timeout)", cause), false, null, null);
        }
        if (isUnreachable(cause)) {
            return new Failure(new ModelException(backend, Kind.UNREACHABLE, "cannot reach " + origin()
                    + " — is the server running? (" + rootMessage(cause) + ")", cause), true, null, "a connection error");
        }
        return new Failure(new ModelException(backend, Kind.PROTOCOL, "the connection to " + origin()
                + " failed before a response: " + rootMessage(cause), cause), true, null, "a connection error");
    }

    private static boolean isUnreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof UnresolvedAddressException) return true;
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) c = c.getCause();
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }

    private String origin() {
        return endpointForMessages.getScheme() + "://" + endpointForMessages.getRawAuthority();
    }

    private Failure cancelled(Cancellation c) {
        return new Failure(new ModelException(backend, Kind.CANCELLED, "cancelled: " + (c.reason() == null ? "cancelled" : c.reason()), null),
                false, null, null);
    }

    private void throwIfCancelled(Cancellation c) {
        if (c.isCancelled()) throw cancelled(c).error;
    }

    /** {@code Retry-After} in seconds or as an HTTP date, or OpenAI's {@code retry-after-ms}; null when absent. */
    static Duration retryAfter(HttpResponse<?> response) {
        var ms = response.headers().firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Duration.ofMillis(Math.max(0, (long) Double.parseDouble(ms.get().strip())));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        return response.headers().firstValue("retry-after").map(Transport::parseRetryAfter).orElse(null);
    }

    static Duration parseRetryAfter(String v) {
        String s = v.strip();
        try {
            return Duration.ofMillis(Math.max(0, Math.round(Double.parseDouble(s) * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException notADate) {
                return null; // unreadable: use our own backoff
            }
        }
    }

    private Duration backoff(int attempt) {
        long base = retryBaseDelay.toMillis() << Math.min(attempt - 1, 10);
        long capped = Math.min(base, 30_000);
        // jitter keeps many agents from retrying in lockstep
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private void sleep(Duration d, Cancellation cancellation) {
        CompletableFuture<Void> woken = new CompletableFuture<>();
        try (AutoCloseable ignored = cancellation.onCancel(() -> woken.complete(null))) {
            woken.get(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return; // waited the full delay
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // woken by cancellation
        }
        throwIfCancelled(cancellation);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms % 1000 == 0) return (ms / 1000) + " s";
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) return;
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is how we abort; a failure here changes nothing
        }
    }

    /** Fires when no byte arrived for {@code limit}. */
    private static final class Watchdog implements Runnable {
        private final long limitNanos;
        private final Runnable onIdle;
        private volatile long lastNanos = System.nanoTime();
        private volatile ScheduledFuture<?> next;
        private volatile boolean stopped;

        Watchdog(Duration limit, Runnable onIdle) {
            this.limitNanos = limit.toNanos();
            this.onIdle = onIdle;
            next = WATCHDOG.schedule(this, limitNanos, TimeUnit.NANOSECONDS);
        }

        void touch() {
            lastNanos = System.nanoTime();
        }

        void stop() {
            stopped = true;
            ScheduledFuture<?> f = next;
            if (f != null) f.cancel(false);
        }

        @Override
        public void run() {
            if (stopped) return;
            long idle = System.nanoTime() - lastNanos;
            if (idle >= limitNanos) {
                onIdle.run();
            } else {
                next = WATCHDOG.schedule(this, limitNanos - idle, TimeUnit.NANOSECONDS);
            }
        }
    }
}
