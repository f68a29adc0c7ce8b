package dev.torchsd.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The checker on scenes drawn by native/train/dataset.py (ground truth in fixtures/scenes/scenes.json). */
class SceneCheckerTest {

    private static BufferedImage fixture(String name) throws IOException {
        try (InputStream in = SceneCheckerTest.class.getResourceAsStream("/fixtures/scenes/" + name)) {
            assertThat(in).as(name).isNotNull();
            return ImageIO.read(in);
        }
    }

    @Test
    void readsColorShapeSizeAndPositionOfEveryGeneratedScene() throws IOException {
        JsonObject truth;
        try (InputStream in = SceneCheckerTest.class.getResourceAsStream("/fixtures/scenes/scenes.json")) {
            truth = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
        assertThat(truth.size()).isGreaterThanOrEqualTo(40);
        for (Map.Entry<String, com.google.gson.JsonElement> e : truth.entrySet()) {
            JsonObject t = e.getValue().getAsJsonObject();
            Scene seen = SceneChecker.check(fixture(e.getKey()));
            Scene expected = new Scene(
                    t.get("color").getAsString(),
                    t.get("shape").getAsString(),
                    t.get("size").getAsString(),
                    t.get("position").getAsString());
            assertThat(seen)
                    .as(e.getKey() + ": " + t.get("caption").getAsString())
                    .isEqualTo(expected);
        }
    }

    @Test
    void plainBackgroundHasNothing() {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, 0x2850DC);
            }
        }
        assertThat(SceneChecker.check(image)).isEqualTo(Scene.NOTHING);
    }

    @Test
    void rejectsImagesThatAreNotWholeCells() {
        assertThatThrownBy(() -> SceneChecker.check(new BufferedImage(70, 64, BufferedImage.TYPE_INT_RGB)))
                .isInstanceOf(EvalException.class)
                .hasMessageContaining("70x64");
    }

    @Test
    void captionReaderFindsTheWordsOfATrainingCaption() {
        assertThat(CaptionReader.read("a small red circle on the left, striped blue background"))
                .isEqualTo(new Scene("red", "circle", "small", "left"));
        assertThat(CaptionReader.read("an orange cross")).isEqualTo(new Scene("orange", "cross", null, null));
        assertThatThrownBy(() -> CaptionReader.read("a red blob"))
                .isInstanceOf(EvalException.class)
                .hasMessageContaining("a red blob");
    }
}
