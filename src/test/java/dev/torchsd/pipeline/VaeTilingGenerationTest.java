package dev.torchsd.pipeline;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import java.awt.image.BufferedImage;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** VAE tiling through the pipeline: off by default, no change within one tile, one decoder call per tile. */
class VaeTilingGenerationTest {
    @Test
    void offByDefaultAndAnImageWithinOneTileIsUnchanged() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest r = GenerationRequest.of("a red circle")
                    .withSeed(3)
                    .withSteps(2)
                    .withSize(128, 64);
            assertThat(r.vaeTiling()).isEqualTo(VaeTiling.OFF);
            BufferedImage whole = sd.generate(r).image();
            for (VaeTiling tiling : new VaeTiling[] {VaeTiling.DEFAULT, new VaeTiling(128, 32)}) {
                BufferedImage tiled = sd.generate(r.withVaeTiling(tiling)).image();
                assertThat(maxPixelDifference(whole, tiled))
                        .as(tiling.toString())
                        .isZero();
            }
        }
    }

    @Test
    void aLargerImageIsDecodedTileByTileToItsFullSize() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest r = GenerationRequest.of("a red circle")
                    .withSeed(3)
                    .withSteps(2)
                    .withSize(192, 136)
                    .withBatchSize(2)
                    .withVaeTiling(new VaeTiling(64, 16));
            long callsBefore = Internals.model(sd).vaeDecoder().time().calls();
            GenerationResult result = sd.generate(r);
            // latents 17 x 24; tiles of 8 every 6: rows start at 0, 6, 12, columns at 0, 6, 12, 18
            assertThat(Internals.model(sd).vaeDecoder().time().calls() - callsBefore)
                    .isEqualTo(12);
            assertThat(result.images()).hasSize(2).allSatisfy(image -> {
                assertThat(image.getWidth()).isEqualTo(192);
                assertThat(image.getHeight()).isEqualTo(136);
            });
            assertThat(result.infotext()).contains("VAE tile size: 64, VAE tile overlap: 16");
        }
    }

    @Test
    void repeatedTiledGenerationsLeaveNoNativeObjects() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest r = GenerationRequest.of("a red circle")
                    .withSteps(2)
                    .withSize(192, 128)
                    .withVaeTiling(new VaeTiling(64, 16));
            sd.generate(r.withSeed(0));
            sd.generate(r.withSeed(1));
            long before = Pointer.totalCount();
            for (int i = 0; i < 6; i++) {
                sd.generate(r.withSeed(10 + i));
            }
            assertThat(Pointer.totalCount()).as("live JavaCPP pointers").isLessThanOrEqualTo(before);
        }
    }
}
