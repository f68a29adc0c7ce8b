package dev.torchsd.pipeline;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.StableDiffusion;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One loaded model, four threads, mixed requests: each image equals the one its request gives alone. */
class ConcurrencyTest {

    @Test
    void fourThreadsGiveTheSingleThreadedImages() throws Exception {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            List<GenerationRequest> requests = List.of(
                    GenerationRequest.of("a red circle").withSeed(1).withSteps(5),
                    GenerationRequest.of("a blue square")
                            .withNegativePrompt("red")
                            .withSeed(2)
                            .withSteps(4)
                            .withScheduler("Euler a")
                            .withSize(64, 96),
                    GenerationRequest.of("a green star")
                            .withSeed(3)
                            .withSteps(6)
                            .withScheduler("DPM++ 2M Karras")
                            .withBatchSize(2),
                    GenerationRequest.of("a yellow triangle")
                            .withNegativePrompt("blue")
                            .withSeed(4)
                            .withSteps(5)
                            .withGuidanceScale(1.0)
                            .withScheduler("Heun"),
                    GenerationRequest.of("a dotted circle")
                            .withNegativePrompt("striped")
                            .withSeed(5)
                            .withSteps(6)
                            .withNegativeStart(StepPoint.fraction(0.5))
                            .withScheduler("UniPC"),
                    GenerationRequest.of("a striped square")
                            .withSeed(6)
                            .withSteps(4)
                            .withScheduler("DDIM")
                            .withSize(96, 64));
            List<List<BufferedImage>> alone = new ArrayList<>();
            for (GenerationRequest r : requests) {
                alone.add(sd.generate(r).images());
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<BufferedImage>>> futures = new ArrayList<>();
                for (int round = 0; round < 2; round++) {
                    for (GenerationRequest r : requests) {
                        futures.add(pool.submit(() -> sd.generate(r).images()));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    List<BufferedImage> together = futures.get(i).get();
                    List<BufferedImage> expected = alone.get(i % requests.size());
                    assertEquals(expected.size(), together.size());
                    for (int b = 0; b < expected.size(); b++) {
                        assertEquals(
                                0,
                                maxPixelDifference(expected.get(b), together.get(b)),
                                "request " + i + " image " + b);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
