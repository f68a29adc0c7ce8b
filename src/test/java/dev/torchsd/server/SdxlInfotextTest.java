package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.Infotext;
import dev.torchsd.pipeline.SdxlConditioning;
import dev.torchsd.pipeline.SizeConditioning;
import org.junit.jupiter.api.Test;

/**
 * The SDXL fields of an infotext (refiner, size conditioning, aesthetic scores) read back by the project's
 * infotext parser ({@code /sdapi/v1/png-info}, AUTOMATIC1111's parse_generation_parameters); the defaults
 * write none of them.
 */
class SdxlInfotextTest {

    static GenerationRequest request() {
        return GenerationRequest.of("a lighthouse").withSeed(3).withSize(1024, 768);
    }

    @Test
    void refinerAndSdxlConditioningAreReadBack() {
        SdxlConditioning sdxl = SdxlConditioning.DEFAULT
                .withSize(SizeConditioning.DEFAULT.withOriginalSize(512, 384).withCrop(32, 16))
                .withNegativeSize(SizeConditioning.DEFAULT.withTargetSize(640, 480))
                .withAestheticScores(6.5, 2.0)
                .withEncodeEmptyNegative(true);
        GenerationRequest r = request().withSdxl(sdxl).toBuilder()
                .refiner("sdxl-refiner")
                .denoising(0.8, 1)
                .build();
        JsonObject p = PngInfo.parameters(Infotext.format(r, "Euler", "sdxl-base"));
        assertThat(p.get("Model").getAsString()).isEqualTo("sdxl-base");
        assertThat(p.get("Refiner").getAsString()).isEqualTo("sdxl-refiner");
        assertThat(p.get("Refiner switch at").getAsString()).isEqualTo("0.8");
        assertThat(p.get("SDXL original size").getAsString()).isEqualTo("512x384");
        assertThat(p.get("SDXL crop").getAsString()).isEqualTo("32,16");
        assertThat(p.get("SDXL negative target size").getAsString()).isEqualTo("640x480");
        assertThat(p.has("SDXL target size")).isFalse(); // the image's size: the default
        assertThat(p.has("SDXL negative original size")).isFalse();
        assertThat(p.get("SDXL aesthetic score").getAsString()).isEqualTo("6.5");
        assertThat(p.get("SDXL negative aesthetic score").getAsString()).isEqualTo("2");
        assertThat(p.get("SDXL encode empty negative").getAsString()).isEqualTo("True");
        assertThat(p.get("Seed").getAsString()).isEqualTo("3");
        assertThat(p.get("Size-1").getAsString()).isEqualTo("1024");
    }

    @Test
    void theDefaultsWriteNoSdxlField() {
        String text = Infotext.format(request(), "Euler", "sdxl-base");
        assertThat(text).doesNotContain("SDXL").doesNotContain("Refiner");
    }
}
