package dev.torchsd.lora;

import static dev.torchsd.Differences.maxPixelDifference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.LoraWeight;
import dev.torchsd.sdxl.SdxlModels;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SDXL LoRA (kohya's lora_te1_/lora_te2_/lora_unet_ names, PEFT's text_encoder./text_encoder_2./unet.
 * prefixes) on the reduced SDXL base equals the same file merged offline into both text encoders and the
 * U-Net by the independent Python merge, and the base comes back bit for bit. Tolerances as
 * {@link LoraMergeTest}'s (same arithmetic on both sides, differently routed ΔW).
 */
class SdxlLoraMergeTest {
    static final double TE = 0.7;
    static final double UNET = 0.5;

    @org.junit.jupiter.api.io.TempDir
    static Path dir;

    static Path model;
    static StableDiffusion sd;

    @BeforeAll
    static void load() throws Exception {
        model = SdxlModels.export(dir, "sdxl-small");
        sd = StableDiffusion.load(model);
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    static GenerationRequest request() {
        return GenerationRequest.builder("a red circle")
                .negativePrompt("blue")
                .width(64)
                .height(64)
                .seed(7)
                .steps(3)
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora", "peft"})
    void equalsTheOfflineMergeIntoBothTextEncodersAndTheUNet(String format) throws Exception {
        Path lora = LoraFiles.make(model, dir, format, "sdxl-" + format, 3);
        GenerationResult base = sd.generate(request());
        GenerationResult withLora = sd.generate(request().withLora(new LoraWeight(lora, TE, UNET)));
        GenerationResult offline;
        try (StableDiffusion merged = StableDiffusion.load(LoraFiles.merged(model, dir, lora, TE, UNET))) {
            offline = merged.generate(request());
        }
        float[] ours = withLora.latents().values();
        float[] theirs = offline.latents().values();
        assertThat(LoraMergeTest.norm(LoraMergeTest.difference(ours, theirs)))
                .isLessThanOrEqualTo(1e-5 * LoraMergeTest.norm(theirs));
        assertThat(maxPixelDifference(withLora.image(), offline.image())).isLessThanOrEqualTo(1);
        assertThat(LoraMergeTest.maxAbs(
                        LoraMergeTest.difference(ours, base.latents().values())))
                .as("the LoRA changes the result")
                .isGreaterThan(1e-3 * LoraMergeTest.maxAbs(theirs));
        assertThat(withLora.warnings()).isEmpty();
        assertThat(sd.generate(request()).latents().values())
                .isEqualTo(base.latents().values());
    }
}
