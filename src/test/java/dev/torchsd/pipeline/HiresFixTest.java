package dev.torchsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.torchsd.StableDiffusion;
import dev.torchsd.eval.Scene;
import dev.torchsd.eval.SceneChecker;
import dev.torchsd.image.LanczosResize;
import dev.torchsd.image.Pixels;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hires fix: a Lanczos upscale is exactly text-to-image, the image upscaled, then image-to-image with
 * the same seed; the latent upscale keeps the scene at twice the size; the infotext has
 * AUTOMATIC1111's fields; bad values are refused.
 */
class HiresFixTest {
    static final String CAPTION = "a large red circle on the left, white background";
    static StableDiffusion sd;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static GenerationRequest request() {
        return GenerationRequest.of(CAPTION).withSeed(4).withSteps(12).withScheduler("Euler");
    }

    @Test
    void lanczosIsTextToImageThenImageToImageOfTheUpscaledImage() {
        HiresFix fix = HiresFix.of(2).withStrength(0.5).withSteps(6).withUpscaler(HiresFix.Upscaler.LANCZOS);
        BufferedImage hires = sd.generate(request().withHiresFix(fix)).image();
        BufferedImage base = sd.generate(request()).image();
        BufferedImage upscaled = Pixels.image(LanczosResize.rgb(Pixels.rgb(base), 64, 64, 128, 128), 128, 128);
        BufferedImage byHand = sd.generate(request()
                        .withSize(128, 128)
                        .withSteps(6)
                        .withImage(ImageInput.of(upscaled).withStrength(0.5)))
                .image();
        assertThat(Pixels.rgb(hires)).isEqualTo(Pixels.rgb(byHand));
    }

    @Test
    void theLatentUpscaleKeepsTheSceneAtTwiceTheSize() {
        GenerationResult result = sd.generate(
                request().withHiresFix(HiresFix.of(2).withStrength(0.5).withSteps(6)));
        assertThat(result.image().getWidth()).isEqualTo(128);
        assertThat(result.latents().shape()).containsExactly(1, 4, 32, 32);
        assertThat(SceneChecker.check(result.image())).isEqualTo(new Scene("red", "circle", "large", "left"));
        assertThat(result.infotext())
                .contains("Size: 64x64")
                .contains("Denoising strength: 0.5, Hires upscale: 2," + " Hires steps: 6, Hires upscaler: Latent");
        BufferedImage nearest = sd.generate(request()
                        .withHiresFix(HiresFix.of(2)
                                .withStrength(0.5)
                                .withSteps(6)
                                .withUpscaler(HiresFix.Upscaler.LATENT_NEAREST)))
                .image();
        assertThat(Pixels.rgb(nearest)).isNotEqualTo(Pixels.rgb(result.image()));
    }

    @Test
    void badValuesAreRefused() {
        assertThat(error(request().withHiresFix(HiresFix.of(5)))).isEqualTo("hires scale must be in 1..4, got 5.0");
        assertThat(error(request().withHiresFix(HiresFix.of(1.1))))
                .startsWith("hires width (64 x 1.1) must be a multiple of 8");
        assertThat(error(request().withBatchSize(2).withHiresFix(HiresFix.of(2))))
                .isEqualTo("hires fix runs with batch size 1, got 2");
        assertThat(error(
                        request().withHiresFix(HiresFix.of(2).withStrength(0.05).withSteps(10))))
                .contains("run at least one step");
    }

    static String error(GenerationRequest r) {
        return assertThrows(RequestException.class, () -> sd.generate(r)).getMessage();
    }
}
