package dev.torchsd.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.TestPython;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LanczosResize gives PIL's {@code resize(size, Image.LANCZOS)} pixel for pixel, up and down, on noise. */
class LanczosResizeTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"37, 23, 64, 48", "64, 64, 16, 11", "50, 40, 50, 80", "30, 30, 97, 30", "128, 96, 64, 64"})
    void sameAsPil(int width, int height, int newWidth, int newHeight) throws IOException, InterruptedException {
        TestPython.assumeModules("the comparison with PIL's Lanczos filter was not run", "PIL");
        Random random = new Random(width * 31L + height);
        int[] rgb = new int[width * height];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        Path in = dir.resolve("in.png");
        Path out = dir.resolve("out.png");
        ImageIO.write(Pixels.image(rgb, width, height), "png", in.toFile());
        TestPython.run(
                TestPython.python(),
                "src/test/python/pil_resize.py",
                in.toString(),
                out.toString(),
                Integer.toString(newWidth),
                Integer.toString(newHeight));
        BufferedImage expected = ImageIO.read(out.toFile());
        int[] actual = LanczosResize.rgb(rgb, width, height, newWidth, newHeight);
        assertThat(actual).isEqualTo(Pixels.rgb(expected));
    }
}
