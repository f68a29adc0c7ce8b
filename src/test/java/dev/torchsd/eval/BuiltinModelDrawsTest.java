package dev.torchsd.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The built-in model draws what the caption says: a few captions at the evaluation's settings
 * (30 steps, guidance 7.5, the model's PNDM sampler), every shape, trained and held-out color/shape
 * pairs, the color, shape and position of each image read back by the checker; and the negative
 * prompt "red" takes red away. The full measurement is {@code torchsd eval} (docs/training.md).
 */
class BuiltinModelDrawsTest {
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

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "a large red circle in the center, white background; 1",
                "a large blue triangle on the left, yellow background; 2",
                "a large green square at the top, black background; 3",
                "a large purple cross on the right, gray background; 4",
                "a large red triangle at the bottom, white background; 5", // held-out pair
                "a small green cross in the center, blue background; 6", // held-out pair
            })
    void drawsTheAskedColorShapeAndPosition(String caption, long seed) {
        BufferedImage image = new Evaluation(sd, 30, 7.5, null).draw(caption, "", seed);
        Scene asked = CaptionReader.read(caption);
        Scene seen = SceneChecker.check(image);
        assertThat(seen.color()).as("color of '%s'", caption).isEqualTo(asked.color());
        assertThat(seen.shape()).as("shape of '%s'", caption).isEqualTo(asked.shape());
        assertThat(seen.position()).as("position of '%s'", caption).isEqualTo(asked.position());
    }

    @Test
    void negativePromptRedTakesRedAway() {
        Evaluation eval = new Evaluation(sd, 30, 7.5, null);
        double without = eval.colorRate("a circle", "", "red", 20, 1);
        double with = eval.colorRate("a circle", "red", "red", 20, 1);
        assertThat(without).as("red circles without a negative prompt").isGreaterThan(0);
        assertThat(with)
                .as("red circles with the negative prompt 'red' (without: %s)", without)
                .isLessThan(without / 3);
    }
}
