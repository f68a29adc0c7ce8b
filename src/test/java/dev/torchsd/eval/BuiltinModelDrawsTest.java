package dev.torchsd.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.StableDiffusion;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The built-in model draws what the caption says: a few captions at the evaluation's settings
 * (30 steps, guidance 7.5, the model's PNDM sampler), the color and shape of each image read back
 * by the checker. The full measurement is {@code torchsd eval}.
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
    @CsvSource(delimiter = ';', value = {
            "a large red circle in the center, white background; 1",
            "a large blue triangle on the left, yellow background; 2",
            "a large green square at the top, black background; 3",
            "a large orange cross on the right, gray background; 4",
    })
    void drawsTheAskedColorAndShape(String caption, long seed) {
        BufferedImage image = new Evaluation(sd, 30, 7.5, null).draw(caption, "", seed);
        Scene asked = CaptionReader.read(caption);
        Scene seen = SceneChecker.check(image);
        assertThat(seen.color()).as("color of '%s'", caption).isEqualTo(asked.color());
        assertThat(seen.shape()).as("shape of '%s'", caption).isEqualTo(asked.shape());
    }
}
