package dev.torchsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationCancelledException;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** A closed model refuses work clearly; closing while generations run never frees a network under them. */
class LifecycleTest {
    private static final GenerationRequest REQUEST =
            GenerationRequest.of("a red circle").withSteps(12).withSeed(3);

    @Test
    void everyUseAfterCloseIsAClearError() {
        StableDiffusion sd = StableDiffusion.builtin();
        sd.close();
        sd.close(); // twice is harmless
        assertThatThrownBy(() -> sd.generate(REQUEST))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("torchsd-shapes")
                .hasMessageContaining("is closed");
        assertThatThrownBy(() -> sd.resolve(REQUEST))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        assertThatThrownBy(() -> sd.tokenVector(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sd.loadTextualInversion(
                        java.nio.file.Path.of("src/test/resources/embeddings/" + "tiny_negative_fp16.safetensors")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeStopsRunningGenerationsAtTheirNextStepAndWaitsForThem() throws Exception {
        StableDiffusion sd = StableDiffusion.builtin();
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<GenerationResult> running =
                    pool.submit(() -> sd.generate(REQUEST.withSteps(200), GenerationListener.onEachStep(p -> {
                        started.countDown();
                        return true;
                    })));
            started.await(60, TimeUnit.SECONDS);
            sd.close();
            assertThat(running.isDone())
                    .as("close returns only after the generation ended")
                    .isTrue();
            assertThatThrownBy(running::get)
                    .hasCauseInstanceOf(GenerationCancelledException.class)
                    .hasMessageContaining("is being closed");
        } finally {
            pool.shutdownNow();
        }
    }

    /** 50 rounds of 4 threads generating while another closes the model: each ends cleanly, nothing leaks. */
    @Test
    void closeWhileFourThreadsGenerateFiftyTimes() throws Exception {
        try (StableDiffusion warm = StableDiffusion.builtin()) {
            warm.generate(REQUEST); // lazy libtorch state, so the pointer count below compares like with like
        }
        long pointersBefore = Pointer.totalCount();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        int finished = 0;
        int cancelled = 0;
        int refused = 0;
        try {
            for (int round = 0; round < 50; round++) {
                StableDiffusion sd = StableDiffusion.builtin();
                List<Future<GenerationResult>> jobs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    jobs.add(pool.submit(() -> sd.generate(REQUEST)));
                }
                Thread.sleep(round % 5 * 10L); // close at different points: before, during and after steps
                sd.close();
                for (Future<GenerationResult> job : jobs) {
                    try {
                        assertThat(job.get(60, TimeUnit.SECONDS).images()).hasSize(1);
                        finished++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        Throwable cause = e.getCause();
                        if (cause instanceof GenerationCancelledException) {
                            cancelled++;
                        } else if (cause instanceof IllegalStateException) {
                            assertThat(cause).hasMessageContaining("is closed");
                            refused++;
                        } else {
                            throw e;
                        }
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(finished + cancelled + refused).isEqualTo(200);
        assertThat(cancelled + refused)
                .as("some generations must meet the close")
                .isPositive();
        System.gc();
        assertThat(Pointer.totalCount()).as("live JavaCPP pointers").isLessThanOrEqualTo(pointersBefore);
        System.out.printf(
                "close while generating: %d finished, %d cancelled, %d refused%n", finished, cancelled, refused);
    }
}
