package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.image.PngWriter;
import dev.torchsd.pipeline.VaeTiling;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --vae-tiling[=TILE[:OVERLAP]]} on the generating commands and bench. */
class VaeTilingOptionTest {
    @TempDir
    Path tmp;

    private static VaeTiling parsed(String... args) {
        GenerateCommand command = new GenerateCommand();
        new CommandLine(command).parseArgs(args);
        return command.options.request(0, 1).vaeTiling();
    }

    @Test
    void offUnlessGivenAndDiffusersDefaultsWithoutAValue() {
        assertThat(parsed("-p", "cat")).isEqualTo(VaeTiling.OFF);
        assertThat(parsed("-p", "cat", "--vae-tiling")).isEqualTo(new VaeTiling(512, 128));
        assertThat(parsed("--vae-tiling", "-p", "cat")).isEqualTo(new VaeTiling(512, 128));
        assertThat(parsed("-p", "cat", "--vae-tiling=256")).isEqualTo(new VaeTiling(256, 64));
        assertThat(parsed("-p", "cat", "--vae-tiling", "256:32")).isEqualTo(new VaeTiling(256, 32));
    }

    @Test
    void generatesALargerImageInTiles() throws Exception {
        Path png = tmp.resolve("tiled.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "cat",
                "-s",
                "1",
                "--steps",
                "2",
                "-W",
                "192",
                "-H",
                "128",
                "--vae-tiling=64:16",
                "-q",
                "-o",
                png.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(192);
        assertThat(image.getHeight()).isEqualTo(128);
        assertThat(PngWriter.readParameters(png)).contains("VAE tile size: 64, VAE tile overlap: 16");
    }

    @Test
    void badValuesAreUserErrorsNamingTheValue() {
        String out = tmp.resolve("x.png").toString();
        GenerateCommandTest.Run syntax = run("generate", "-p", "cat", "--vae-tiling=big", "-q", "-o", out);
        assertThat(syntax.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(syntax.err())
                .contains("--vae-tiling")
                .contains("TILE:OVERLAP")
                .contains("'big'");
        GenerateCommandTest.Run overlap = run("generate", "-p", "cat", "--vae-tiling=64:64", "-q", "-o", out);
        assertThat(overlap.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(overlap.err())
                .startsWith("error: VAE tile overlap")
                .contains("less than the tile size (64)")
                .contains("got 64");
        GenerateCommandTest.Run size = run("generate", "-p", "cat", "--vae-tiling=100", "-q", "-o", out);
        assertThat(size.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(size.err()).contains("VAE tile size must be a multiple of 8").contains("got 100");
    }

    @Test
    void benchPassesItIntoTheRequest() {
        GenerateCommandTest.Run r = run(
                "bench",
                "--steps",
                "2",
                "--warmup",
                "0",
                "--runs",
                "1",
                "--gemm-size",
                "0",
                "-W",
                "128",
                "-H",
                "128",
                "--vae-tiling=64:16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("128x128").contains("VAE tiling 64:16");
        GenerateCommandTest.Run bad = run("bench", "--steps", "2", "--vae-tiling=64:-8");
        assertThat(bad.exitCode()).isEqualTo(Main.USER_ERROR);
        assertThat(bad.err()).contains("VAE tile overlap").contains("got -8");
    }
}
