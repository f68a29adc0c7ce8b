package dev.torchsd.pipeline;

import dev.torchsd.StableDiffusion;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native memory stays flat over 20 generations in one JVM: no JavaCPP pointer (tensor, generator,
 * IValue) outlives its generation, and the process's resident memory does not grow.
 */
class NativeMemoryTest {

    @Test
    void twentyGenerationsDoNotGrowTheProcess() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest r = GenerationRequest.of("a red circle").withNegativePrompt("blue")
                    .withSize(256, 256).withSteps(5);
            for (int i = 0; i < 3; i++) {
                sd.generate(r.withSeed(i));
            }
            long pointersBefore = Pointer.totalCount();
            long rssBefore = Pointer.physicalBytes();
            for (int i = 0; i < 20; i++) {
                sd.generate(r.withSeed(100 + i).withBatchSize(1 + i % 2));
            }
            long pointersAfter = Pointer.totalCount();
            long rssAfter = Pointer.physicalBytes();
            double growth = (rssAfter - rssBefore) / (double) rssBefore;
            System.out.printf("native memory: %d JavaCPP pointers before, %d after 20 generations; "
                            + "RSS %.1f MB -> %.1f MB (%+.2f %%)%n", pointersBefore, pointersAfter,
                    rssBefore / 1e6, rssAfter / 1e6, 100 * growth);
            assertTrue(pointersAfter <= pointersBefore, "pointers leaked: " + (pointersAfter - pointersBefore));
            assertTrue(growth < 0.05, "resident memory grew by " + 100 * growth + " %");
        }
    }
}
