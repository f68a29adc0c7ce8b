package dev.torchsd.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that closes its connection while its request waits or generates. Jetty reads
 * nothing from a connection while a request is being handled, so a closed one goes unseen; this
 * asks the connection's end point to tell when it becomes readable, and a read of end-of-stream
 * then means the client is gone. The answer closes the connection ({@code Connection: close}): a
 * client that got it could otherwise send its next request on the same connection before Jetty has
 * dropped the pending read, which would take that request's first byte.
 */
final class ClientWatch {
    private ClientWatch() {}

    /** Calls {@code onGone} once if the client of {@code ctx} closes its connection; the answer closes it. */
    static void onDisconnect(Context ctx, Runnable onGone) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(ctx.req());
        if (jetty == null) {
            return;
        }
        ctx.header("Connection", "close");
        EndPoint endPoint = jetty.getConnectionMetaData().getConnection().getEndPoint();
        endPoint.tryFillInterested(Callback.from(
                () -> {
                    try {
                        ByteBuffer one = BufferUtil.allocate(1);
                        if (endPoint.fill(one) < 0) {
                            onGone.run();
                        }
                    } catch (IOException e) {
                        onGone.run();
                    }
                },
                failure -> {}));
    }
}
