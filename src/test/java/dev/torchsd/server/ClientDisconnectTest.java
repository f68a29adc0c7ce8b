package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that close their sockets while their jobs run or wait in line, as {@code torchsd
 * serve-load}'s disconnect phase does: every one of them is cancelled (none completes, none is
 * counted twice), the line empties and the native objects the jobs made are freed.
 */
class ClientDisconnectTest {
    /** Each job alone would take many seconds (16 batches of 150 steps): only a cancellation ends it early. */
    private static final byte[] LONG = ServerSafetyTest.LONG.getBytes(StandardCharsets.UTF_8);

    private static final int WAITING = 8;

    static TorchsdServer server;
    static ApiClient client;

    @BeforeAll
    static void start() {
        server = TorchsdServer.start(ServerSettings.defaults().withPort(0).withQueueLength(WAITING));
        client = new ApiClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyClientThatClosesItsSocketHasItsJobCancelledWhetherRunningOrWaiting() throws Exception {
        assertThat(client.post("/sdapi/v1/txt2img", "{\"prompt\": \"a warm-up\", \"steps\": 2}")
                        .status())
                .isEqualTo(200);
        System.gc();
        long pointers = Pointer.totalCount();
        JsonObject before = stats();
        List<Socket> sockets = new ArrayList<>();
        try {
            sockets.add(send());
            waitFor(s -> s.get("running").getAsLong() == 1
                    && s.getAsJsonArray("jobs")
                                    .get(0)
                                    .getAsJsonObject()
                                    .get("step")
                                    .getAsInt()
                            >= 1);
            for (int i = 0; i < WAITING; i++) {
                sockets.add(send());
            }
            waitFor(s -> s.get("waiting").getAsLong() == WAITING);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        JsonObject after = waitFor(
                s -> s.get("running").getAsLong() == 0 && s.get("waiting").getAsLong() == 0);
        assertThat(delta(after, before, "admitted")).isEqualTo(1 + WAITING);
        assertThat(delta(after, before, "cancelled")).isEqualTo(1 + WAITING);
        assertThat(delta(after, before, "completed")).isZero();
        assertThat(delta(after, before, "failed")).isZero();
        assertThat(after.getAsJsonArray("jobs")).isEmpty();
        System.gc();
        assertThat(Pointer.totalCount()).as("JavaCPP pointers left").isLessThanOrEqualTo(pointers);
        assertThat(client.post("/sdapi/v1/txt2img", "{\"prompt\": \"still serving\", \"steps\": 2}")
                        .status())
                .isEqualTo(200);
    }

    /** A raw socket's HTTP request, as the most faithful client that can go away mid-request. */
    private static Socket send() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + LONG.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(LONG);
        out.flush();
        return socket;
    }

    private static JsonObject stats() {
        return client.get("/torchsd/v1/stats").object();
    }

    private static long delta(JsonObject after, JsonObject before, String key) {
        return after.get(key).getAsLong() - before.get(key).getAsLong();
    }

    private static JsonObject waitFor(Predicate<JsonObject> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            JsonObject s = stats();
            if (condition.test(s)) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the server never reached the state waited for: " + stats());
    }
}
