package dev.torchsd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.Infotext;
import dev.torchsd.runtime.Version;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngWriterTest {
    @TempDir
    Path tmp;

    @Test
    void infotextInAutomatic1111Format() {
        GenerationRequest r = GenerationRequest.of("girl eating pizza")
                .withNegativePrompt("blurry, lowres")
                .withSeed(42)
                .withSteps(30)
                .withGuidanceScale(7.0)
                .withSize(512, 768)
                .withClipSkip(2);
        assertEquals(
                "girl eating pizza\nNegative prompt: blurry, lowres\n"
                        + "Steps: 30, Sampler: PNDM, CFG scale: 7, Seed: 42, Size: 512x768, Model: tiny, Clip skip: 2, "
                        + "Version: " + Version.withName(),
                Infotext.format(r, "PNDM", "tiny"));
        GenerationRequest plain = GenerationRequest.of("cat").withSize(64, 64).withScheduler("Euler a");
        assertEquals(
                "cat\nSteps: 20, Sampler: \"Euler a, karras\", CFG scale: 7.5, Seed: 0, Size: 64x64, Model: m, "
                        + "Version: " + Version.withName(),
                Infotext.format(plain, "Euler a, karras", "m"));
    }

    @Test
    void pngCarriesTheParametersChunk() throws Exception {
        BufferedImage image = new BufferedImage(8, 4, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 2, 0x12ab34);
        Path file = tmp.resolve("out.png");
        PngWriter.write(image, "a prompt\nSteps: 1", file);
        assertEquals("a prompt\nSteps: 1", PngWriter.readParameters(file));
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(0x12ab34, back.getRGB(3, 2) & 0xffffff);
        PngWriter.write(image, "ピザを食べる少女", file);
        assertEquals("ピザを食べる少女", PngWriter.readParameters(file));
    }

    @Test
    void missingFolderIsAnErrorAndLeavesNothing() throws Exception {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        var e = assertThrows(TorchsdException.class, () -> PngWriter.write(image, "p", tmp.resolve("no/such/out.png")));
        assertThat(e.getMessage()).contains("cannot write").contains("does not exist");
        var e2 = assertThrows(TorchsdException.class, () -> PngWriter.write(image, "p", tmp));
        assertThat(e2.getMessage()).contains("it is a folder");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void toByteMatchesDiffusersPostprocessing() {
        assertEquals(0, ImageConversion.toByte(-1f));
        assertEquals(0, ImageConversion.toByte(-3f));
        assertEquals(255, ImageConversion.toByte(1f));
        assertEquals(255, ImageConversion.toByte(2f));
        assertEquals(128, ImageConversion.toByte(0f)); // 127.5 rounds half to even: 128
        assertEquals(0, ImageConversion.toByte(Float.NaN));
        // 0.5 * 255 = 127.5 exactly -> numpy rounds to even (128); (x/2+0.5)=0.502 -> 128.01 -> 128
        float x = (126.5f / 255f - 0.5f) * 2f;
        assertEquals(Math.rint((x / 2f + 0.5f) * 255f), ImageConversion.toByte(x));
    }
}
