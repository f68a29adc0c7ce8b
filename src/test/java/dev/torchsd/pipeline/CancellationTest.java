package dev.torchsd.pipeline;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.StableDiffusion;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A listener that returns false stops the request within that step; the model stays usable. */
class CancellationTest {

    @Test
    void cancelStopsAfterTheStepAndTheModelStaysUsable() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest r = GenerationRequest.of("a red circle")
                    .withSeed(5)
                    .withSteps(10)
                    .withScheduler("Euler a");
            var before = sd.generate(r).image();
            long pointers = org.bytedeco.javacpp.Pointer.totalCount();
            AtomicInteger seen = new AtomicInteger();
            var e = assertThrows(
                    GenerationCancelledException.class,
                    () -> sd.generate(r, GenerationListener.onEachStep(p -> seen.incrementAndGet() < 3)));
            assertEquals(3, seen.get());
            assertThat(e.getMessage()).contains("after step 3 of 10");
            assertTrue(
                    org.bytedeco.javacpp.Pointer.totalCount() <= pointers, "a cancelled request must free its tensors");
            assertEquals(0, maxPixelDifference(before, sd.generate(r).image()), "the model must be unchanged");
        }
    }
}
