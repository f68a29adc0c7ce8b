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
     * With fused attention, SD 1.5's VAE decoder outweighs its U-Net at 1024x1024 (its full-resolution
     * feature maps); in 512-pixel tiles its share shrinks to a quarter, what one 512x512 tile needs.
     */
    @Test
    void vaeTilingShrinksTheDecodersShareToOneTile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        var m = sd15Architecture(tmp, true);
        GenerationRequest r = GenerationRequest.of("x").withSize(1024, 1024).withGuidanceScale(1);
        long whole = MemoryEstimate.bytesNeeded(m, Internals.resolve(r, m)).orElseThrow();
        long tiled = MemoryEstimate.bytesNeeded(m, Internals.resolve(r.withVaeTiling(VaeTiling.DEFAULT), m))
                .orElseThrow();
        assertTrue(whole > 2_000_000_000L, "SD 1.5 at 1024x1024 decoded whole: " + whole);
        assertThat(tiled).as("decoded in tiles").isLessThanOrEqualTo(whole / 4);
        assertThat(MemoryEstimate.decodeBytes(m, Internals.resolve(r.withVaeTiling(VaeTiling.DEFAULT), m))
                        .orElseThrow())
                .as("the decoder's peak is one 512x512 tile's")
                .isEqualTo(MemoryEstimate.decodeBytes(m, Internals.resolve(r.withSize(512, 512), m))
                        .orElseThrow());
    }

    /**
     * SDXL's whole VAE decode at 1024x1024 against the full-size stand-in (docs/sdxl.md): the decoder's full-resolution
     * feature maps added 3.0 GB to what the U-Net left resident and 4.4 GB to the level after the load. The estimate
     * counts the first full-resolution ResNet block's 3 maps of 256 channels (3.2 GB), with or without fused
     * attention (the attention over the 16384 latent pixels, 2.1 GB spelled out, is smaller).
     */
    @Test
    void sdxlsWholeDecodeAt1024IsWithinTheMeasuredRange(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        for (boolean fused : new boolean[] {true, false}) {
            var m = sdxlArchitecture(tmp.resolve(Boolean.toString(fused)), fused);
            GenerationRequest r = Internals.resolve(GenerationRequest.of("x").withSize(1024, 1024), m);
            assertThat(MemoryEstimate.decodeBytes(m, r).orElseThrow())
                    .as("fused attention: %s", fused)
                    .isBetween(3.0e9, 4.4e9);
        }
    }

    /**
     * SDXL base at 1024x1024 with guidance (U-Net batch 2), against the full-size stand-in measured on this project's
     * 24 GB machine (docs/sdxl.md): with attention spelled out, the resident set rose from 15.6 GB after the load to
     * 19.2 GB in the U-Net (the 10 heads' 4096-token scores at level 1, 2 x 2 x 10 x 4096^2 floats = 2.7 GB, are the
     * most); with fused attention to 16.6 GB.
     */
    @Test
    void sdxlAt1024KnowsTheUNetsAttentionLevels(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        GenerationRequest r = GenerationRequest.of("x").withSize(1024, 1024);
        var spelledOut = sdxlArchitecture(tmp.resolve("a"), false);
        var fused = sdxlArchitecture(tmp.resolve("b"), true);
        double unfusedUNet =
                MemoryEstimate.unetPeak(spelledOut.architecture().getAsJsonObject("unet"), 2, 128, 128, false, 77);
        double fusedUNet = MemoryEstimate.unetPeak(fused.architecture().getAsJsonObject("unet"), 2, 128, 128, true, 77);
        assertThat(unfusedUNet).isBetween(2.5e9, 4.5e9); // measured 3.5 GB over the loaded weights
        assertThat(fusedUNet).isBetween(0.3e9, 1.5e9); // measured 1.0 GB
        // the whole estimate is the larger of the U-Net's and the decoder's peaks
        assertThat(MemoryEstimate.bytesNeeded(spelledOut, Internals.resolve(r, spelledOut))
                        .orElseThrow())
                .isEqualTo((long) Math.max(
                        unfusedUNet,
                        MemoryEstimate.decodeBytes(spelledOut, Internals.resolve(r, spelledOut))
                                .orElseThrow()));
    }

    /**
     * The decoder is tiled only where decoding whole would not fit (ComfyUI's fallback, decided beforehand): SDXL at
     * 1024x1024 (about 3.2 GB) decodes whole with 8 GB available and in 512-pixel tiles with 1 GB; a batch of 8 (the
     * decoder takes the batch at once: some 26 GB) in tiles; a tiling the request asks for stays.
     */
    @Test
    void decodesInTilesOnlyWhereWholeWouldNotFit(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        var m = sdxlArchitecture(tmp, true);
        GenerationRequest at1024 = Internals.resolve(GenerationRequest.of("x").withSize(1024, 1024), m);
        GenerationRequest batch8 =
                Internals.resolve(GenerationRequest.of("x").withSize(1024, 1024).withBatchSize(8), m);
        GenerationRequest at512 = Internals.resolve(GenerationRequest.of("x").withSize(512, 512), m);
        java.util.Optional<Long> eightGb = java.util.Optional.of(8_000_000_000L);
        java.util.Optional<Long> oneGb = java.util.Optional.of(1_000_000_000L);
        assertThat(MemoryEstimate.decodeBytes(m, at1024).orElseThrow()).isBetween(1e9, 4e9);
        assertEquals(VaeTiling.OFF, MemoryEstimate.decodeTiling(m, at1024, eightGb));
        assertEquals(VaeTiling.DEFAULT, MemoryEstimate.decodeTiling(m, at1024, oneGb));
        assertEquals(VaeTiling.DEFAULT, MemoryEstimate.decodeTiling(m, batch8, eightGb));
        assertEquals(VaeTiling.OFF, MemoryEstimate.decodeTiling(m, at512, java.util.Optional.of(1L)), "one tile");
        assertEquals(VaeTiling.OFF, MemoryEstimate.decodeTiling(m, batch8, java.util.Optional.empty()));
        VaeTiling asked = VaeTiling.of(256);
        assertEquals(asked, MemoryEstimate.decodeTiling(m, at1024.withVaeTiling(asked), oneGb));
        assertThat(MemoryEstimate.decodeBytes(m, batch8.withVaeTiling(VaeTiling.DEFAULT))
                        .orElseThrow())
                .isLessThan(MemoryEstimate.decodeBytes(m, batch8).orElseThrow() / 3);
    }

    /** The built-in model's manifest with SDXL base's architecture record (as the exporter writes it). */
    private static dev.torchsd.model.Manifest sdxlArchitecture(java.nio.file.Path tmp, boolean fusedAttention)
            throws java.io.IOException {
        return withArchitecture(tmp, fusedAttention, config -> {
            config.add(
                    "unet",
                    com.google.gson.JsonParser.parseString(
                            "{\"in_channels\": 4, \"out_channels\": 4,"
                                    + " \"model_channels\": 320, \"channel_mult\": [1, 2, 4], \"num_res_blocks\": 2,"
                                    + " \"attention_levels\": [1, 2], \"num_heads\": -1, \"head_channels\": 64,"
                                    + " \"transformer_depth\": 10, \"transformer_depths\": [0, 2, 10], \"context_dim\": 2048}"));
            config.add(
                    "vae",
                    com.google.gson.JsonParser.parseString(
                            "{\"ch\": 128, \"ch_mult\": [1, 2, 4, 4], \"num_res_blocks\": 2, \"z_channels\": 4}"));
        });
    }

    /** The built-in model's manifest with SD 1.5's architecture record, read from a copy in {@code tmp}. */
    private static dev.torchsd.model.Manifest sd15Architecture(java.nio.file.Path tmp, boolean fusedAttention)
            throws java.io.IOException {
        return withArchitecture(tmp, fusedAttention, config -> {
            var unet = config.getAsJsonObject("unet");
            unet.addProperty("model_channels", 320);
            unet.add("channel_mult", com.google.gson.JsonParser.parseString("[1, 2, 4, 4]"));
            unet.add("attention_levels", com.google.gson.JsonParser.parseString("[0, 1, 2]"));
            unet.addProperty("num_heads", 8);
            var vae = config.getAsJsonObject("vae");
            vae.addProperty("ch", 128);
            vae.add("ch_mult", com.google.gson.JsonParser.parseString("[1, 2, 4, 4]"));
            vae.addProperty("num_res_blocks", 2);
        });
    }

    /**
     * A copy of the built-in model in {@code tmp} whose architecture record ({@code exporter.config}) {@code edit}
     * changes, with VAE scale 8 and {@code exporter.sdpa} = {@code fusedAttention}.
     */
    private static dev.torchsd.model.Manifest withArchitecture(
            java.nio.file.Path tmp,
            boolean fusedAttention,
            java.util.function.Consumer<com.google.gson.JsonObject> edit)
            throws java.io.IOException {
        java.nio.file.Path folder = dev.torchsd.TestModels.copyOfBuiltin(tmp);
        java.nio.file.Path file = folder.resolve("model.json");
        var root = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(file))
                .getAsJsonObject();
        root.getAsJsonObject("exporter").addProperty("sdpa", fusedAttention);
        edit.accept(root.getAsJsonObject("exporter").getAsJsonObject("config"));
        root.getAsJsonObject("vae").addProperty("scale_factor", 8);
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
