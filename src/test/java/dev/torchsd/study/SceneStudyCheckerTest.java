package dev.torchsd.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.image.ImageDifference;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The built-in checker on scenes drawn by native/train/dataset.py (ground truth in fixtures/scenes/scenes.json). */
class SceneStudyCheckerTest {
    private final StudyChecker checker = StudyChecker.builtin();

    static BufferedImage fixture(String name) throws IOException {
        try (InputStream in = SceneStudyCheckerTest.class.getResourceAsStream("/fixtures/scenes/" + name)) {
            return ImageIO.read(in);
        }
    }

    @Test
    void readsEveryAttributeIncludingTheBackgroundOfEveryScene() throws IOException {
        JsonObject truth;
        try (InputStream in = SceneStudyCheckerTest.class.getResourceAsStream("/fixtures/scenes/scenes.json")) {
            truth = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
        assertThat(truth.size()).isGreaterThanOrEqualTo(40);
        for (Map.Entry<String, JsonElement> e : truth.entrySet()) {
            JsonObject t = e.getValue().getAsJsonObject();
            Map<String, String> expected = Map.of(
                    "color",
                    t.get("color").getAsString(),
                    "shape",
                    t.get("shape").getAsString(),
                    "size",
                    t.get("size").getAsString(),
                    "position",
                    t.get("position").getAsString(),
                    "background",
                    t.get("background").getAsString());
            assertThat(checker.read(fixture(e.getKey()))).as(e.getKey()).isEqualTo(expected);
        }
    }

    @Test
    void tellsWhichAttributeANegativePromptNames() {
        assertThat(checker.negated("red")).isEqualTo(new StudyChecker.Attribute("color", "red"));
        assertThat(checker.negated("Circle!")).isEqualTo(new StudyChecker.Attribute("shape", "circle"));
        assertThat(checker.negated("blue background")).isEqualTo(new StudyChecker.Attribute("background", "blue"));
        assertThat(checker.negated("on the left")).isEqualTo(new StudyChecker.Attribute("position", "left"));
        assertThat(checker.negated("small")).isEqualTo(new StudyChecker.Attribute("size", "small"));
        assertThatThrownBy(() -> checker.negated("blurry"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'blurry'")
                .hasMessageContaining("circle");
    }

    @Test
    void pixelDifferenceCountsEveryChannel() throws IOException {
        BufferedImage a = fixture("scene-00.png");
        BufferedImage b = fixture("scene-00.png");
        assertThat(ImageDifference.of(a, b)).isEqualTo(new ImageDifference(0, 0));
        assertThat(ImageDifference.psnr(0)).isInfinite();
        int rgb = b.getRGB(5, 7);
        int red = (rgb >> 16) & 0xFF;
        int changed = red >= 128 ? red - 30 : red + 30;
        b.setRGB(5, 7, (rgb & 0xFF00FFFF) | (changed << 16));
        double values = 3.0 * a.getWidth() * a.getHeight();
        ImageDifference d = ImageDifference.of(a, b);
        assertThat(d.meanAbsolute()).isEqualTo(30 / values);
        assertThat(d.meanSquared()).isEqualTo(900 / values);
        assertThat(ImageDifference.psnr(d.meanSquared()))
                .isCloseTo(10 * Math.log10(255.0 * 255 * values / 900), org.assertj.core.data.Offset.offset(1e-9));
        assertThatThrownBy(() -> ImageDifference.of(a, new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB)))
                .hasMessageContaining("64x64")
                .hasMessageContaining("32x32");
    }
}
