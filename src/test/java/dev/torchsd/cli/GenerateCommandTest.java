package dev.torchsd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.image.PngWriter;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GenerateCommandTest {
    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void generatesAPngWithItsParameters() throws Exception {
        Path png = tmp.resolve("pizza.png");
        Run r = run(
                "generate",
                "--prompt",
                "girl eating pizza",
                "--seed",
                "42",
                "--steps",
                "3",
                "--quiet",
                "--out",
                png.toString());
        assertEquals(0, r.exitCode(), r.err());
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(64, image.getWidth());
        assertThat(PngWriter.readParameters(png))
                .startsWith("girl eating pizza\nSteps: 3, Sampler: ")
                .contains("Seed: 42")
                .contains("Size: 64x64");
        assertThat(r.out()).contains("pizza.png");
    }

    @Test
    void anySchedulerByItsAutomatic1111Name() throws Exception {
        Path png = tmp.resolve("euler.png");
        Run r = run(
                "generate",
                "-p",
                "cat",
                "-s",
                "5",
                "--steps",
                "3",
                "--scheduler",
                "Euler a",
                "-q",
                "-o",
                png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(PngWriter.readParameters(png)).contains("Sampler: Euler a,");
        Run karras = run(
                "generate",
                "-p",
                "cat",
                "--steps",
                "3",
                "--scheduler",
                "DPM++ 2M",
                "--set",
                "use_karras_sigmas=true",
                "-q",
                "-o",
                png.toString());
        assertEquals(0, karras.exitCode(), karras.err());
        assertThat(PngWriter.readParameters(png)).contains("Scheduler use_karras_sigmas: true");
    }

    @Test
    void cudaWithoutAGpuIsAUserError() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                dev.torchsd.runtime.Device.cudaAvailable(), "this machine has CUDA");
        Run r = run(
                "generate",
                "-p",
                "cat",
                "--device",
                "cuda",
                "-q",
                "-o",
                tmp.resolve("x.png").toString());
        assertEquals(2, r.exitCode());
        assertThat(r.err()).contains("cuda:0").contains("not available");
    }

    @Test
    void batchWritesNumberedFiles() {
        Path png = tmp.resolve("cat.png");
        Run r = run("generate", "-p", "cat", "-s", "1", "--steps", "2", "-b", "2", "-q", "-o", png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(tmp.resolve("cat-1.png")));
        assertTrue(Files.exists(tmp.resolve("cat-2.png")));
    }

    @Test
    void tokenMergingIsWrittenToTheInfotext() throws Exception {
        Path png = tmp.resolve("tome.png");
        Run r = run(
                "generate",
                "-p",
                "a red circle",
                "-s",
                "1",
                "--steps",
                "3",
                "-q",
                "--tome",
                "0.5",
                "--tome-max-downsample",
                "2",
                "-o",
                png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(PngWriter.readParameters(png)).contains("Token merging ratio: 0.5, Token merging max downsample: 2");
    }

    @Test
    void badInputsExitWith2AndOneLineAndNoFile() throws Exception {
        Path png = tmp.resolve("x.png");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"--width", "100"});
        cases.add(new String[] {"--height", "2048"});
        cases.add(new String[] {"--steps", "0"});
        cases.add(new String[] {"--batch", "0"});
        cases.add(new String[] {"--guidance", "NaN"});
        cases.add(new String[] {"--guidance", "-2"});
        cases.add(new String[] {"--seed", "-7"});
        cases.add(new String[] {"--seed", "99999999999999999999"});
        cases.add(new String[] {"--device", "tpu"});
        cases.add(new String[] {"--model", tmp.resolve("missing").toString()});
        cases.add(new String[] {"--scheduler", "NoSuchSampler"});
        cases.add(new String[] {"--tome", "1.5"});
        cases.add(new String[] {"--tome-max-downsample", "3"});
        for (String[] extra : cases) {
            List<String> args =
                    new ArrayList<>(List.of("generate", "-p", "cat", "--steps", "2", "-q", "-o", png.toString()));
            args.addAll(List.of(extra));
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", extra) + ": " + r.err());
            assertThat(r.err())
                    .as(String.join(" ", extra))
                    .startsWith("error: ")
                    .doesNotContain("\tat ");
            assertThat(r.err().toLowerCase(java.util.Locale.ROOT))
                    .as(String.join(" ", extra))
                    .contains(extra[0].replace("--", "").split("-")[0]);
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.count(), "no output may be left behind");
        }
    }

    @Test
    void unwritableOutputIsRefusedBeforeWork() {
        Run r = run(
                "generate",
                "-p",
                "cat",
                "-q",
                "-o",
                tmp.resolve("no/such/dir/x.png").toString());
        assertEquals(2, r.exitCode());
        assertThat(r.err()).contains("cannot write").contains("does not exist");
    }
}
