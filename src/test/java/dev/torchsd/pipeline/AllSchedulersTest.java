package dev.torchsd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.StableDiffusion;
import dev.torchsd.scheduler.Schedulers;
import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every scheduler, by every accepted name, runs a full denoising loop on the tiny model to a finite image. */
class AllSchedulersTest {
    static StableDiffusion sd;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static List<String> names() {
        return Schedulers.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void fullRunGivesAFiniteImage(String name) {
        GenerationResult result = sd.generate(GenerationRequest.of("a blue square on the right")
                .withNegativePrompt("red")
                .withSeed(3)
                .withSteps(6)
                .withScheduler(name));
        assertEquals(List.of(), result.warnings(), name);
        assertEquals(name, result.sampler());
        BufferedImage image = result.image();
        Set<Integer> colors = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                colors.add(image.getRGB(x, y));
            }
        }
        assertTrue(colors.size() > 16, name + " gave a flat image (" + colors.size() + " colors)");
    }
}
