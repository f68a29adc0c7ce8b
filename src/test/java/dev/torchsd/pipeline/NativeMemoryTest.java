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
                    .withSize(128, 128).withSteps(5);
            for (int i = 0; i < 4; i++) {
                sd.generate(r.withSeed(i).withBatchSize(1 + i % 2));
            }
            long pointersBefore = Pointer.totalCount();
            long rssBefore = nativeBytes();
            for (int i = 0; i < 20; i++) {
                sd.generate(r.withSeed(100 + i).withBatchSize(1 + i % 2));
            }
            long pointersAfter = Pointer.totalCount();
            long rssAfter = nativeBytes();
            double growth = (rssAfter - rssBefore) / (double) rssBefore;
            System.out.printf("native memory: %d JavaCPP pointers before, %d after 20 generations; "
                            + "resident memory outside the Java heap %.1f MB -> %.1f MB (%+.2f %%)%n", pointersBefore, pointersAfter,
                    rssBefore / 1e6, rssAfter / 1e6, 100 * growth);
            assertTrue(pointersAfter <= pointersBefore, "pointers leaked: " + (pointersAfter - pointersBefore));
            assertTrue(growth < 0.02, "native memory grew by " + 100 * growth + " %");
        }
    }

    /** Resident set size minus the Java heap's committed size: what libtorch and the JVM's own code hold. */
    private static long nativeBytes() {
        System.gc();
        return Pointer.physicalBytes() - Runtime.getRuntime().totalMemory();
    }
}
