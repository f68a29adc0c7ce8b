package dev.torchsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.torchsd.StableDiffusion;
import java.awt.image.BufferedImage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image input's values: checked before any work (a clear error each), the steps that run for a
 * strength (diffusers' rule and AUTOMATIC1111's), images of another size resized, "only masked"
 * and the fill modes keeping the unmasked pixels.
 */
class ImageInputTest {
    static final int STEPS = 10;
    static StableDiffusion sd;
    static BufferedImage start;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.builtin();
        start = sd.generate(GenerationRequest.of("a large red circle on the left, white background")
                        .withSeed(1)
                        .withSteps(STEPS))
                .image();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static GenerationRequest request(ImageInput input) {
        return GenerationRequest.of("a large green square on the right, white background")
                .withSeed(2)
                .withSteps(STEPS)
                .withImage(input);
    }

    static String error(ImageInput input) {
        return assertThrows(RequestException.class, () -> sd.generate(request(input)))
                .getMessage();
    }

    /** A mask that is white inside [x1, x2) x [y1, y2), black elsewhere. */
    static BufferedImage mask(int width, int height, int x1, int y1, int x2, int y2) {
        BufferedImage m = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = y1; y < y2; y++) {
            for (int x = x1; x < x2; x++) {
                m.getRaster().setSample(x, y, 0, 255);
            }
        }
        return m;
    }

    /** U-Net calls with Euler (one per step; the model's PNDM makes one more, as diffusers' does). */
    static int stepsRun(ImageInput input) {
        AtomicInteger steps = new AtomicInteger();
        sd.generate(
                request(input).withScheduler("Euler"), GenerationListener.onEachStep(p -> steps.incrementAndGet() > 0));
        return steps.get();
    }

    @Test
    void strengthOutsideZeroToOneIsRefused() {
        assertThat(error(ImageInput.of(start).withStrength(1.5))).isEqualTo("strength must be in 0..1, got 1.5");
        assertThat(error(ImageInput.of(start).withStrength(-0.1))).isEqualTo("strength must be in 0..1, got -0.1");
    }

    @Test
    void aStrengthThatRunsNoStepSaysWhichStepsWould() {
        assertThat(error(ImageInput.of(start).withStrength(0.05)))
                .contains("strength 0.05 with 10 steps runs no step")
                .contains("use at least 20 steps");
    }

    @Test
    void strengthPicksTheStepsAsDiffusersOrAutomatic1111() {
        assertThat(stepsRun(ImageInput.of(start).withStrength(0.6))).isEqualTo(6); // min(int(10 * 0.6), 10)
        assertThat(stepsRun(ImageInput.of(start).withStrength(0.6).withStepCount(ImageInput.StepCount.A1111)))
                .isEqualTo(7); // int(0.6 * 10) + 1
        assertThat(stepsRun(ImageInput.of(start))).isEqualTo(8); // default strength 0.8
    }

    @Test
    void anAllBlackMaskIsRefused() {
        assertThat(error(ImageInput.of(start).withMask(mask(64, 64, 0, 0, 0, 0))))
                .contains("the mask repaints nothing");
        assertThat(error(ImageInput.of(start)
                        .withMask(mask(64, 64, 0, 0, 64, 64))
                        .withInvertedMask(true)))
                .contains("the mask repaints nothing")
                .contains("after inverting");
    }

    @Test
    void anAllWhiteMaskIsRefusedForOnlyMasked() {
        assertThat(error(ImageInput.of(start)
                        .withMask(mask(64, 64, 0, 0, 64, 64))
                        .withInpaintArea(ImageInput.InpaintArea.MASKED, 8)))
                .contains("repaints the whole image");
    }

    @Test
    void maskOptionsWithoutAMaskAreRefused() {
        assertThat(error(ImageInput.of(start).withMaskBlur(4))).contains("need a mask");
        assertThat(error(ImageInput.of(start)
                        .withMask(mask(64, 64, 32, 0, 64, 64))
                        .withMaskBlur(-1)))
                .contains("mask blur must be in 0..64 pixels, got -1");
    }

    @Test
    void initialLatentsAndAnImageExcludeEachOther() {
        Latents latents = sd.generate(GenerationRequest.of("x").withSteps(1)).latents();
        RequestException e = assertThrows(
                RequestException.class,
                () -> sd.generate(request(ImageInput.of(start)).withInitialLatents(latents)));
        assertThat(e.getMessage()).contains("exclude each other");
    }

    @Test
    void theSizeIsTheImagesUnlessGivenAndOtherSizesAreResized() {
        BufferedImage wide = sd.generate(
                        GenerationRequest.of("a blue cross").withSize(96, 64).withSteps(2))
                .image();
        GenerationResult own =
                sd.generate(GenerationRequest.of("a red cross").withSteps(2).withImage(ImageInput.of(wide)));
        assertThat(own.request().width()).hasValue(96);
        assertThat(own.image().getWidth()).isEqualTo(96);
        GenerationResult resized = sd.generate(GenerationRequest.of("a red cross")
                .withSteps(2)
                .withSize(64, 64)
                .withImage(ImageInput.of(wide).withResize(ImageInput.Resize.CROP)));
        assertThat(resized.image().getWidth()).isEqualTo(64);
        assertThat(resized.image().getHeight()).isEqualTo(64);
    }

    @Test
    void onlyMaskedAndEveryFillKeepTheUnmaskedPixels() {
        BufferedImage m = mask(64, 64, 40, 16, 60, 48);
        for (ImageInput.Fill fill : ImageInput.Fill.values()) {
            for (ImageInput.InpaintArea area : ImageInput.InpaintArea.values()) {
                ImageInput input = ImageInput.of(start)
                        .withMask(m)
                        .withStrength(0.75)
                        .withFill(fill)
                        .withInpaintArea(area, 4);
                BufferedImage out = sd.generate(request(input)).image();
                int changed = 0;
                for (int y = 0; y < 64; y++) {
                    for (int x = 0; x < 64; x++) {
                        boolean masked = x >= 40 && x < 60 && y >= 16 && y < 48;
                        if (!masked) {
                            assertThat(out.getRGB(x, y))
                                    .as("%s, %s: pixel (%d, %d)", fill, area, x, y)
                                    .isEqualTo(start.getRGB(x, y));
                        } else if (out.getRGB(x, y) != start.getRGB(x, y)) {
                            changed++;
                        }
                    }
                }
                assertThat(changed)
                        .as("%s, %s: masked pixels changed", fill, area)
                        .isGreaterThan(100);
            }
        }
    }

    @Test
    void theInfotextHasAutomatic1111sFields() {
        GenerationResult r = sd.generate(request(ImageInput.of(start)
                        .withMask(mask(64, 64, 32, 0, 64, 64))
                        .withMaskBlur(4)
                        .withStrength(0.75)
                        .withInpaintArea(ImageInput.InpaintArea.MASKED, 32))
                .withSteps(4));
        assertThat(r.infotext())
                .contains("Denoising strength: 0.75, Mask blur: 4, Inpaint area: Only masked,"
                        + " Masked area padding: 32");
    }
}
