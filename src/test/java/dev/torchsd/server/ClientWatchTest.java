package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * The three ways a fill-interest callback alone misses a client (someone else holds the interest,
 * a spurious wake-up, a failure), on Jetty's in-memory end point: the watch sees the client go in
 * each.
 */
class ClientWatchTest {
    @Test
    void aClientThatStaysIsNotGoneAndWhatItSendsKeepsTheWatchArmed() {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        ClientWatch watch = ClientWatch.on(endPoint);
        assertThat(endPoint.isFillInterested()).isTrue();
        endPoint.addInput("x"); // the watch reads it and asks again
        assertThat(endPoint.isFillInterested()).isTrue();
        assertThat(watch.gone()).isFalse();
    }

    @Test
    void endOfStreamReadByTheCallbackMeansGone() {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        ClientWatch watch = ClientWatch.on(endPoint);
        endPoint.addInputEOF();
        assertThat(endPoint.isInputShutdown())
                .as("the callback read end-of-stream")
                .isTrue();
        assertThat(watch.gone()).isTrue();
    }

    @Test
    void whenAnotherHoldsTheFillInterestTheWatchReadsWhenAsked() {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        assertThat(endPoint.tryFillInterested(Callback.NOOP)).isTrue(); // Jetty's own connection, say
        ClientWatch watch = ClientWatch.on(endPoint); // refused: the interest is held
        assertThat(watch.gone()).isFalse();
        endPoint.addInputEOF(); // the holder is told and does not read: the watch's callback never runs
        assertThat(endPoint.isInputShutdown()).isFalse();
        assertThat(watch.gone()).isTrue();
    }

    @Test
    void theWatchAsksAgainOnceTheOtherLetsGo() {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        assertThat(endPoint.tryFillInterested(Callback.NOOP)).isTrue();
        ClientWatch watch = ClientWatch.on(endPoint);
        endPoint.getFillInterest().fillable(); // the holder is told (nothing to read) and lets go
        assertThat(endPoint.isFillInterested()).isFalse();
        assertThat(watch.gone()).isFalse();
        assertThat(endPoint.isFillInterested()).as("the watch asked again").isTrue();
        endPoint.addInputEOF();
        assertThat(endPoint.isInputShutdown())
                .as("its callback read end-of-stream")
                .isTrue();
        assertThat(watch.gone()).isTrue();
    }

    @Test
    void aSpuriousWakeUpKeepsWatching() {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        ClientWatch watch = ClientWatch.on(endPoint);
        endPoint.getFillInterest().fillable(); // readable, but the read finds nothing
        assertThat(endPoint.isFillInterested()).as("the watch asked again").isTrue();
        assertThat(watch.gone()).isFalse();
        endPoint.addInputEOF();
        assertThat(endPoint.isInputShutdown()).isTrue();
        assertThat(watch.gone()).isTrue();
    }

    @Test
    void aFailedInterestMeansGone() {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        ClientWatch watch = ClientWatch.on(endPoint);
        endPoint.getFillInterest().onFail(new IOException("connection reset"));
        assertThat(endPoint.isOpen()).isTrue();
        assertThat(watch.gone()).isTrue();
    }
}
