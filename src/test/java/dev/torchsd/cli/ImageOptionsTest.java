package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.pipeline.ImageInput;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --init-image} and {@code --mask}: image-to-image and inpainting from files, with
 * the trace and compare; every bad input a clear error (exit 2) and no output file.
 */
class ImageOptionsTest {
    @TempDir
    static Path tmp;

    static Path start;
    static Path mask;

    @BeforeAll
    static void startImage() throws IOException {
        start = tmp.resolve("start.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "a large red circle on the left, white background",
                "-s",
                "1",
                "--steps",
                "4",
                "-q",
                "-o",
                start.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        mask = tmp.resolve("mask.png");
        BufferedImage m = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 64; y++) {
            for (int x = 32; x < 64; x++) {
                m.getRaster().setSample(x, y, 0, 255);
            }
        }
        ImageIO.write(m, "png", mask.toFile());
    }

    static void assertRefused(String expected, Path out, String... args) {
        GenerateCommandTest.Run r = run(args);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err()).contains(expected);
        assertThat(out).doesNotExist();
    }

    @Test
    void img2imgAndInpaintingWriteImagesWithTheirParameters() throws IOException {
        Path out = tmp.resolve("blue.png");
        Path trace = tmp.resolve("trace");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "a large blue circle on the left",
                "-s",
                "1",
                "--steps",
                "5",
                "-q",
                "-i",
                start.toString(),
                "--strength",
                "0.6",
                "-o",
                out.toString(),
                "--trace",
                trace.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readString(trace.resolve("trace.csv")).lines().count())
                .as("header and 3 + 1 PNDM calls")
                .isEqualTo(1 + 4);
        assertThat(Files.readString(trace.resolve("trace.json"))).contains("Denoising strength: 0.6");
        Path inpainted = tmp.resolve("green.png");
        r = run(
                "generate",
                "-p",
                "a large green square on the right",
                "-s",
                "1",
                "--steps",
                "5",
                "-q",
                "-i",
                start.toString(),
                "--mask",
                mask.toString(),
                "--mask-blur",
                "2",
                "--inpaint-area",
                "masked",
                "--masked-padding",
                "4",
                "--fill",
                "latent-noise",
                "-o",
                inpainted.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        BufferedImage before = ImageIO.read(start.toFile());
        BufferedImage after = ImageIO.read(inpainted.toFile());
        for (int x = 0; x < 24; x++) { // the blur reaches a few pixels left of the mask
            assertThat(after.getRGB(x, 10)).isEqualTo(before.getRGB(x, 10));
        }
    }

    @Test
    void compareWorksFromAnImage() {
        Path out = tmp.resolve("compare.png");
        GenerateCommandTest.Run r = run(
                "compare",
                "-p",
                "a large blue circle",
                "-n",
                "red",
                "-s",
                "1",
                "--steps",
                "3",
                "-q",
                "-i",
                start.toString(),
                "--starts",
                "none,0",
                "-o",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(out).exists();
    }

    @Test
    void badFilesAndValuesAreClearErrorsWithoutOutput() throws IOException {
        Path out = tmp.resolve("never.png");
        Path text = Files.writeString(tmp.resolve("notes.png"), "not an image");
        assertRefused(
                "--init-image: file not found: " + tmp.resolve("missing.png"),
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                tmp.resolve("missing.png").toString(),
                "-o",
                out.toString());
        assertRefused(
                "--init-image: " + text + " is not an image this reader knows",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                text.toString(),
                "-o",
                out.toString());
        assertRefused(
                "--mask: " + text + " is not an image",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                start.toString(),
                "--mask",
                text.toString(),
                "-o",
                out.toString());
        assertRefused(
                "strength must be in 0..1, got 1.2",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                start.toString(),
                "--strength",
                "1.2",
                "-o",
                out.toString());
        assertRefused(
                "use at least 34 steps",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                start.toString(),
                "--strength",
                "0.03",
                "-o",
                out.toString());
        assertRefused(
                "--mask needs an --init-image",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "--mask",
                mask.toString(),
                "-o",
                out.toString());
        assertRefused(
                "--fill must be one of fill, original, latent-noise, latent-nothing, got 'paint'",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                start.toString(),
                "--mask",
                mask.toString(),
                "--fill",
                "paint",
                "-o",
                out.toString());
        Path black = tmp.resolve("black.png");
        ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY), "png", black.toFile());
        assertRefused(
                "the mask repaints nothing",
                out,
                "generate",
                "-p",
                "x",
                "-q",
                "-i",
                start.toString(),
                "--mask",
                black.toString(),
                "-o",
                out.toString());
    }

    @Test
    void hiresFixWritesTheLargerImage() throws IOException {
        Path out = tmp.resolve("hires.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "a large blue circle",
                "-s",
                "1",
                "--steps",
                "3",
                "-q",
                "--hires-scale",
                "2",
                "--hires-steps",
                "2",
                "--hires-upscaler",
                "lanczos",
                "-o",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(128);
        assertRefused(
                "hires scale must be in 1..4, got 8.0",
                tmp.resolve("no.png"),
                "generate",
                "-p",
                "x",
                "-q",
                "--hires-scale",
                "8",
                "-o",
                tmp.resolve("no.png").toString());
    }

    @Test
    void enumNamesAreDashedLowerCase() {
        assertThat(ImageOptions.choice(ImageInput.Fill.class, "latent-nothing", "--fill"))
                .isEqualTo(ImageInput.Fill.LATENT_NOTHING);
    }
}
