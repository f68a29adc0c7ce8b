package dev.torchsd.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.StableDiffusion;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Native memory stays flat over 20 generations in one JVM: no JavaCPP pointer (tensor, generator,
 * IValue) outlives its generation, and the resident memory outside the Java heap does not grow.
 * Resident memory wobbles by several percent as malloc's arenas grow and shrink (more so after
 * other tests ran threads in this JVM), so it is sampled every 4 generations and the mean of the
 * last two samples is compared with the mean of the first two; the pointer count is exact.
 */
class NativeMemoryTest {

    @Test
    void twentyGenerationsDoNotGrowTheProcess() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest r = GenerationRequest.of("a red circle")
                    .withNegativePrompt("blue")
                    .withSize(128, 128)
                    .withSteps(5);
            for (int i = 0; i < 6; i++) {
                sd.generate(r.withSeed(i).withBatchSize(1 + i % 2));
            }
            long pointersBefore = Pointer.totalCount();
            List<Long> samples = new ArrayList<>();
            samples.add(nativeBytes());
            for (int i = 0; i < 20; i++) {
                sd.generate(r.withSeed(100 + i).withBatchSize(1 + i % 2));
                if ((i + 1) % 4 == 0) {
                    samples.add(nativeBytes());
                }
            }
            long pointersAfter = Pointer.totalCount();
            double early = (samples.get(0) + samples.get(1)) / 2.0;
            double late = (samples.get(samples.size() - 2) + samples.get(samples.size() - 1)) / 2.0;
            double growth = (late - early) / early;
            System.out.printf(
                    "native memory: %d JavaCPP pointers before, %d after 20 generations; resident memory"
                            + " outside the Java heap (MB, every 4 generations) %s: %+.2f %%%n",
                    pointersBefore,
                    pointersAfter,
                    samples.stream().map(b -> String.format("%.1f", b / 1e6)).toList(),
                    100 * growth);
            assertTrue(pointersAfter <= pointersBefore, "pointers leaked: " + (pointersAfter - pointersBefore));
            assertTrue(growth < 0.05, "native memory grew by " + 100 * growth + " %");
        }
    }

    /** Resident set size minus the Java heap's committed size: what libtorch and the JVM's own code hold. */
    private static long nativeBytes() {
        System.gc();
        return Pointer.physicalBytes() - Runtime.getRuntime().totalMemory();
    }
}
