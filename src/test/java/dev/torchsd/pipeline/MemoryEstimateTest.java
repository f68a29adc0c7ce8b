package dev.torchsd.pipeline;

import dev.torchsd.StableDiffusion;
import org.junit.jupiter.api.Test;

import static dev.torchsd.pipeline.GuidanceTest.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request far too large for the machine is refused before anything is allocated; the model stays usable. */
class MemoryEstimateTest {

    @Test
    void hugeRequestIsRefusedAndTheModelStaysUsable() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest small = GenerationRequest.of("a red circle").withSeed(1).withSteps(3);
            var before = sd.generate(small).image();
            GenerationRequest huge = small.withSize(1024, 1024).withBatchSize(64);
            long needed = MemoryEstimate.bytesNeeded(sd.model().manifest(), huge.resolve(sd.model().manifest())).orElseThrow();
            long available = MemoryEstimate.availableBytes().orElseThrow();
            assertTrue(needed > available, "the test needs a request larger than this machine: " + needed + " vs " + available);
            var e = assertThrows(RequestException.class, () -> sd.generate(huge));
            assertThat(e.getMessage()).contains("1024x1024, batch 64 with guidance").contains("GB are available");
            assertEquals(0, maxPixelDifference(before, sd.generate(small).image()));
        }
    }

    @Test
    void estimateGrowsWithSizeAndBatchAndIsSmallForTheDefaults() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            var m = sd.model().manifest();
            long base = MemoryEstimate.bytesNeeded(m, GenerationRequest.of("x").resolve(m)).orElseThrow();
            long bigger = MemoryEstimate.bytesNeeded(m, GenerationRequest.of("x").withSize(256, 256).resolve(m)).orElseThrow();
            long batch = MemoryEstimate.bytesNeeded(m, GenerationRequest.of("x").withBatchSize(4).resolve(m)).orElseThrow();
            long noGuidance = MemoryEstimate.bytesNeeded(m, GenerationRequest.of("x").withSize(256, 256)
                    .withGuidanceScale(1).resolve(m)).orElseThrow();
            assertTrue(base < 50_000_000, "64x64 on the tiny model: " + base);
            assertTrue(bigger > 16 * base);
            assertTrue(batch > 3 * base);
            assertTrue(noGuidance < bigger, "without guidance the U-Net batch halves");
        }
    }
}
