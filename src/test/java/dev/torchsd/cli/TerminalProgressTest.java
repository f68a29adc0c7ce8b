package dev.torchsd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.ImageInput;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The progress bar's total is the generation's calls, not the request's steps: image-to-image at strength 0.3
 * of 7 steps runs 3 calls here (2 steps of the built-in model's PNDM, whose first step takes two), and the bar
 * showed "0/7 calls" before its first call made it "1/3".
 */
class TerminalProgressTest {

    @Test
    void theTotalIsTheCallsTheGenerationRuns() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest text =
                    GenerationRequest.of("a red circle").withSeed(1).withSteps(7);
            var picture = sd.generate(text.withSteps(2)).image();
            TerminalProgress bar = new TerminalProgress();
            List<Long> totals = new ArrayList<>();
            totals.add(bar.total());
            sd.generate(
                    text.withImage(ImageInput.of(picture).withStrength(0.3)),
                    GenerationListener.all(bar, GenerationListener.onEachStep(p -> totals.add(bar.total()))));
            assertThat(totals).containsExactly(TerminalProgress.UNKNOWN, 3L, 3L, 3L);
        }
    }
}
