package dev.torchsd.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built-in model shows image-to-image and inpainting: a red circle on the left turned blue at
 * strength 0.6 keeps its place; the right half of an image repainted with a green square gets one
 * there, and the left half stays pixel for pixel.
 */
class ImageToImageDrawsTest {
    static final int STEPS = 30;
    private static StableDiffusion sd;

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
        org.bytedeco.pytorch.global.torch.set_num_threads(1);
        sd = StableDiffusion.builtin();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static BufferedImage draw(String caption, long seed) {
        return sd.generate(GenerationRequest.of(caption).withSeed(seed).withSteps(STEPS))
                .images()
                .get(0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4})
    void img2imgChangesTheColorAndKeepsThePosition(long seed) {
        BufferedImage red = draw("a large red circle on the left, white background", seed);
        assertThat(SceneChecker.check(red)).isEqualTo(new Scene("red", "circle", "large", "left"));
        BufferedImage blue = sd.generate(GenerationRequest.of("a large blue circle on the left, white background")
                        .withSeed(seed)
                        .withSteps(STEPS)
                        .withImage(ImageInput.of(red).withStrength(0.6)))
                .images()
                .get(0);
        Scene seen = SceneChecker.check(blue);
        assertThat(seen.color()).as("color after img2img").isEqualTo("blue");
        assertThat(seen.position()).as("position after img2img").isEqualTo("left");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void blendInpaintingRepaintsTheRightHalfOnly(long seed) {
        BufferedImage start = draw("a large red circle on the left, white background", seed);
        BufferedImage mask = rightHalf(start.getWidth(), start.getHeight());
        BufferedImage out = sd.generate(GenerationRequest.of("a large green square on the right, white background")
                        .withSeed(seed)
                        .withSteps(STEPS)
                        .withImage(ImageInput.of(start).withMask(mask)))
                .images()
                .get(0);
        Scene right = SceneChecker.check(rightHalfOnly(out));
        assertThat(right.color()).as("color drawn on the right").isEqualTo("green");
        assertThat(right.shape()).as("shape drawn on the right").isEqualTo("square");
        assertThat(right.position()).as("position of the drawn shape").isEqualTo("right");
        for (int y = 0; y < start.getHeight(); y++) {
            for (int x = 0; x < start.getWidth() / 2; x++) {
                assertThat(out.getRGB(x, y))
                        .as("left-half pixel (%d, %d)", x, y)
                        .isEqualTo(start.getRGB(x, y));
            }
        }
        assertThat(SceneChecker.check(rightHalfOnly(start)).color())
                .as("the start's right half")
                .isNotEqualTo("green");
    }

    static BufferedImage rightHalf(int width, int height) {
        BufferedImage m = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = width / 2; x < width; x++) {
                m.getRaster().setSample(x, y, 0, 255);
            }
        }
        return m;
    }

    /** The image with its left half painted the palette's white, so the checker sees the right half's shape alone. */
    static BufferedImage rightHalfOnly(BufferedImage image) {
        int[] white = SceneVocabulary.PALETTE.get("white");
        BufferedImage copy = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                copy.setRGB(
                        x,
                        y,
                        x < image.getWidth() / 2 ? white[0] << 16 | white[1] << 8 | white[2] : image.getRGB(x, y));
            }
        }
        return copy;
    }
}
