package dev.muse.server;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that closes its connection while a non-streaming request is being handled, without writing
 * anything (so the status is still free for a real 4xx/5xx).
 *
 * <p>Jetty 11 only reads a connection when a request asks for input, so a client that hangs up while the handler
 * works goes unseen. Once the body has been read, the connection is idle until the response goes out, so the watch
 * registers read interest on the connection's end point: readable then means EOF (the client closed or reset), or
 * bytes of a pipelined next request. EOF calls {@code onGone}; bytes end the watch, and because they were consumed
 * the connection must close after this response ({@link #mustCloseConnection}). The watch is withdrawn before the
 * handler returns, so Jetty's own read interest for the next keep-alive request is never in the way.
 */
final class DisconnectWatch implements Callback, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DisconnectWatch.class.getName());
    private static final DisconnectWatch NONE = new DisconnectWatch(null, () -> {});

    private final AbstractEndPoint endPoint;
    private final Runnable onGone;
    private final ByteBuffer probe = BufferUtil.allocate(512);
    private final ReentrantLock lock = new ReentrantLock();
    private boolean registered;
    private boolean closed;
    private volatile boolean gone;
    private volatile boolean consumedBytes;

    private DisconnectWatch(AbstractEndPoint endPoint, Runnable onGone) {
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /** Starts watching the connection of {@code req} (call after its body is read); a no-op off plain Jetty. */
    static DisconnectWatch start(HttpServletRequest req, Runnable onGone) {
        Request base = Request.getBaseRequest(req);
        HttpChannel channel = base == null ? null : base.getHttpChannel();
        EndPoint ep = channel == null ? null : channel.getEndPoint();
        // only an AbstractEndPoint lets the watch withdraw its interest again (HTTP/1.1 over TCP, with or without TLS)
        if (!(ep instanceof AbstractEndPoint aep) || !(ep.getConnection() instanceof org.eclipse.jetty.server.HttpConnection)) {
            LOG.log(System.Logger.Level.DEBUG, "cannot watch {0} for a disconnect", ep);
            return NONE;
        }
        DisconnectWatch w = new DisconnectWatch(aep, onGone);
        w.register();
        return w;
    }

    boolean clientGone() {
        return gone;
    }

    /** True when the watch consumed bytes of a pipelined request: the response must then close the connection. */
    boolean mustCloseConnection() {
        return consumedBytes;
    }

    private void register() {
        lock.lock();
        try {
            if (closed || endPoint == null) return;
            registered = endPoint.tryFillInterested(this);
            if (!registered) LOG.log(System.Logger.Level.DEBUG, "{0} is already read-interested; not watching it", endPoint);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void succeeded() {
        lock.lock();
        try {
            registered = false;
            if (closed) return;
            BufferUtil.clear(probe);
            int n = endPoint.fill(probe);
            if (n < 0) {
                disconnected();
            } else if (n > 0) {
                consumedBytes = true; // a pipelined request: cannot be put back, so stop and close after the response
                LOG.log(System.Logger.Level.DEBUG, "{0}: client pipelined a request; it closes after this response", endPoint);
            } else {
                registered = endPoint.tryFillInterested(this);
            }
        } catch (IOException e) {
            disconnected(); // reset by the peer
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void failed(Throwable cause) {
        lock.lock();
        try {
            registered = false;
            if (closed) return;
            if (!endPoint.isOpen()) {
                disconnected();
            } else if (cause instanceof TimeoutException) {
                // Jetty's idle timeout fails pending reads but keeps a connection whose request is still handled
                registered = endPoint.tryFillInterested(this);
            }
        } finally {
            lock.unlock();
        }
    }

    private void disconnected() {
        gone = true;
        onGone.run();
    }

    /** Withdraws the read interest; must run before the handler returns (Jetty then reads the next request itself). */
    @Override
    public void close() {
        if (endPoint == null) return;
        lock.lock();
        try {
            closed = true;
            if (registered) {
                registered = false;
                endPoint.getFillInterest().onFail(new java.util.concurrent.CancellationException("the response is ready"));
            }
        } finally {
            lock.unlock();
        }
    }
}
