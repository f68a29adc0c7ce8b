package dev.torchsd.server;

import io.javalin.http.Context;
import java.io.IOException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that closes its connection while its request waits or generates. Jetty reads
 * nothing from a connection while a request is being handled, so a closed one goes unseen: an end
 * point only learns of end-of-stream by reading it ({@code isInputShutdown()} and {@code isOpen()}
 * change after a read of -1 or a close, not before). So the watch reads, one byte without
 * blocking, in two ways:
 *
 * <ul>
 *   <li>when the end point tells it the connection is readable ({@code tryFillInterested}): a read
 *       of -1, a failed read or a failed interest (the end point closed, the idle timeout) means the
 *       client is gone; a read of 0 (a spurious wake-up) or of a byte the client sent asks again;
 *   <li>whenever {@link #gone()} is asked (each wait tick and each step of the job), so a client is
 *       noticed even when the callback never runs: when someone else held the fill interest (the end
 *       point then refuses ours, and the watch asks again on the next call), or when a wake-up was
 *       lost.
 * </ul>
 *
 * Bytes a client sends after its request are read and dropped; the answer closes the connection
 * ({@code Connection: close}), so no next request on the same connection can lose its first bytes.
 */
final class ClientWatch {
    /** A request not served by Jetty (nothing to watch): its client is never gone. */
    static final ClientWatch NONE = new ClientWatch(null);

    private final EndPoint endPoint;
    private final Callback onReadable = Callback.from(this::readable, failure -> gone = true);
    private volatile boolean gone;

    private ClientWatch(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    /** Watches the client at the other end of {@code endPoint} from now on. */
    static ClientWatch on(EndPoint endPoint) {
        ClientWatch watch = new ClientWatch(endPoint);
        watch.arm();
        return watch;
    }

    /** Watches the connection of {@code ctx} from now on; its answer closes the connection. */
    static ClientWatch of(Context ctx) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(ctx.req());
        if (jetty == null) {
            return NONE;
        }
        ctx.header("Connection", "close");
        return on(jetty.getConnectionMetaData().getConnection().getEndPoint());
    }

    /** Whether the client has closed its connection (told by the end point, or read just now). */
    boolean gone() {
        if (gone || endPoint == null) {
            return gone;
        }
        if (!endPoint.isOpen() || endPoint.isInputShutdown() || read() < 0) {
            gone = true;
        } else if (!endPoint.isFillInterested()) {
            arm();
        }
        return gone;
    }

    private void arm() {
        endPoint.tryFillInterested(onReadable); // false: held by another (or already ours); gone() reads anyway
    }

    private void readable() {
        if (read() < 0) {
            gone = true;
        } else {
            arm();
        }
    }

    /** Reads one byte without blocking: -1 at end-of-stream or on a failed read, 0 when nothing came. */
    private int read() {
        try {
            return endPoint.fill(BufferUtil.allocate(1));
        } catch (IOException e) {
            return -1;
        }
    }
}
