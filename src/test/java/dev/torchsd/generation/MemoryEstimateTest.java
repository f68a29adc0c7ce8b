package dev.torchsd.generation;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.pipeline.VaeTiling;
import org.junit.jupiter.api.Test;

/** A request far too large for the machine is refused before anything is allocated; the model stays usable. */
class MemoryEstimateTest {

    @Test
    void hugeRequestIsRefusedAndTheModelStaysUsable() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            GenerationRequest small =
                    GenerationRequest.of("a red circle").withSeed(1).withSteps(3);
            var before = sd.generate(small).image();
            GenerationRequest huge = small.withSize(1024, 1024).withBatchSize(64);
            long needed = MemoryEstimate.bytesNeeded(
                            Internals.model(sd).manifest(),
                            Internals.resolve(huge, Internals.model(sd).manifest()))
                    .orElseThrow();
            long available = MemoryEstimate.availableBytes().orElseThrow();
            assertTrue(
                    needed > available,
                    "the test needs a request larger than this machine: " + needed + " vs " + available);
            var e = assertThrows(RequestException.class, () -> sd.generate(huge));
            assertThat(e.getMessage())
                    .contains("1024x1024, batch 64 with guidance")
                    .contains("GB are available");
            assertEquals(0, maxPixelDifference(before, sd.generate(small).image()));
        }
    }

    /** The example: SD 1.5 at 1024x1024, batch 16, is refused on a machine of this kind (24 GB). */
    @Test
    void sd15At1024Batch16NeedsFarMoreThan24GB(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        var m = sd15Architecture(tmp, false);
        long oneImage = MemoryEstimate.bytesNeeded(
                        m, Internals.resolve(GenerationRequest.of("x").withSize(512, 512), m))
                .orElseThrow();
        long huge = MemoryEstimate.bytesNeeded(
                        m,
                        Internals.resolve(
                                GenerationRequest.of("x").withSize(1024, 1024).withBatchSize(16), m))
                .orElseThrow();
        // 512x512 with guidance: 2 x 2 x 8 heads x 4096^2 attention scores in float32 = 2.1 GB, plus activations
        assertTrue(oneImage > 2_000_000_000L && oneImage < 4_000_000_000L, "SD 1.5 at 512x512: " + oneImage);
        assertTrue(huge > 24L * (1L << 30) * 10, "SD 1.5 at 1024x1024 batch 16: " + huge);
    }

    /**
     * With fused attention, SD 1.5's VAE decoder outweighs its U-Net at 1024x1024 (its attention over
     * 16384 latent pixels, its full-resolution activations); in 512-pixel tiles it needs what a
     * 512x512 image needs.
     */
    @Test
    void vaeTilingShrinksTheDecodersShareToOneTile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        var m = sd15Architecture(tmp, true);
        GenerationRequest r = GenerationRequest.of("x").withSize(1024, 1024).withGuidanceScale(1);
        long whole = MemoryEstimate.bytesNeeded(m, Internals.resolve(r, m)).orElseThrow();
        long tiled = MemoryEstimate.bytesNeeded(m, Internals.resolve(r.withVaeTiling(VaeTiling.DEFAULT), m))
                .orElseThrow();
        long oneTile = MemoryEstimate.bytesNeeded(m, Internals.resolve(r.withSize(512, 512), m))
                .orElseThrow();
        assertTrue(whole > 2_000_000_000L, "SD 1.5 at 1024x1024 decoded whole: " + whole);
        assertTrue(tiled < whole / 4, "decoded in tiles: " + tiled);
        assertEquals(oneTile, tiled, "the decoder's peak is one 512x512 tile's");
    }

    /** The built-in model's manifest with SD 1.5's architecture record, read from a copy in {@code tmp}. */
    private static dev.torchsd.model.Manifest sd15Architecture(java.nio.file.Path tmp, boolean fusedAttention)
            throws java.io.IOException {
        java.nio.file.Path folder = dev.torchsd.TestModels.copyOfBuiltin(tmp);
        java.nio.file.Path file = folder.resolve("model.json");
        var root = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(file))
                .getAsJsonObject();
        root.getAsJsonObject("exporter").addProperty("sdpa", fusedAttention);
        var config = root.getAsJsonObject("exporter").getAsJsonObject("config");
        var unet = config.getAsJsonObject("unet");
        unet.addProperty("model_channels", 320);
        unet.add("channel_mult", com.google.gson.JsonParser.parseString("[1, 2, 4, 4]"));
        unet.add("attention_levels", com.google.gson.JsonParser.parseString("[0, 1, 2]"));
        unet.addProperty("num_heads", 8);
        root.getAsJsonObject("vae").addProperty("scale_factor", 8);
        var vae = config.getAsJsonObject("vae");
        vae.addProperty("ch", 128);
        vae.add("ch_mult", com.google.gson.JsonParser.parseString("[1, 2, 4, 4]"));
        java.nio.file.Files.writeString(file, root.toString());
        return dev.torchsd.model.Manifest.read(folder);
    }

    @Test
    void estimateGrowsWithSizeAndBatchAndIsSmallForTheDefaults() {
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            var m = Internals.model(sd).manifest();
            long base = MemoryEstimate.bytesNeeded(m, Internals.resolve(GenerationRequest.of("x"), m))
                    .orElseThrow();
            long bigger = MemoryEstimate.bytesNeeded(
                            m, Internals.resolve(GenerationRequest.of("x").withSize(256, 256), m))
                    .orElseThrow();
            long batch = MemoryEstimate.bytesNeeded(
                            m, Internals.resolve(GenerationRequest.of("x").withBatchSize(4), m))
                    .orElseThrow();
            long noGuidance = MemoryEstimate.bytesNeeded(
                            m,
                            Internals.resolve(
                                    GenerationRequest.of("x").withSize(256, 256).withGuidanceScale(1), m))
                    .orElseThrow();
            assertTrue(base < 50_000_000, "64x64 on the built-in model: " + base);
            assertTrue(bigger > 16 * base);
            assertTrue(batch > 3 * base);
            assertTrue(noGuidance < bigger, "without guidance the U-Net batch halves");
        }
    }
}
