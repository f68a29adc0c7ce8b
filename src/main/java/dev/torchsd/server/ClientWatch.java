package dev.torchsd.server;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Notices a client that closes its connection while its request waits or generates. Jetty reads
 * nothing from a connection while a request is being handled, so a closed one goes unseen; this
 * asks the connection's end point to tell when it becomes readable, and a read of end-of-stream
 * then means the client is gone. (Clients of this API send nothing more before the answer; when
 * the answer is written first, Jetty fails the pending read and nothing happens.)
 */
final class ClientWatch {
    private ClientWatch() {
    }

    /** Calls {@code onGone} once if the client of {@code request} closes its connection. */
    static void onDisconnect(HttpServletRequest request, Runnable onGone) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(request);
        if (jetty == null) {
            return;
        }
        EndPoint endPoint = jetty.getConnectionMetaData().getConnection().getEndPoint();
        endPoint.tryFillInterested(Callback.from(() -> {
            try {
                ByteBuffer one = BufferUtil.allocate(1);
                if (endPoint.fill(one) < 0) {
                    onGone.run();
                }
            } catch (IOException e) {
                onGone.run();
            }
        }, failure -> {
        }));
    }
}
