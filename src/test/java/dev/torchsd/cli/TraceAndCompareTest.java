package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.image.PngWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceAndCompareTest {
    @TempDir
    Path tmp;

    @Test
    void traceWritesATablePerCallAndASheet() throws Exception {
        Path png = tmp.resolve("traced.png");
        Path plainPng = tmp.resolve("plain.png");
        Path dir = tmp.resolve("trace");
        var args = List.of(
                "generate",
                "-p",
                "a red circle",
                "-n",
                "blue",
                "-s",
                "4",
                "--steps",
                "10",
                "--scheduler",
                "Euler",
                "--negative-start",
                "0.3",
                "-q");
        var traced = run(concat(args, "--trace", dir.toString(), "-o", png.toString()));
        assertEquals(0, traced.exitCode(), traced.err());
        var plain = run(concat(args, "-o", plainPng.toString()));
        assertEquals(0, plain.exitCode(), plain.err());
        assertTrue(
                java.util.Arrays.equals(Files.readAllBytes(png), Files.readAllBytes(plainPng)),
                "tracing must not change the image");

        JsonObject trace = JsonParser.parseString(Files.readString(dir.resolve("trace.json")))
                .getAsJsonObject();
        var steps = trace.getAsJsonArray("steps");
        assertEquals(10, steps.size());
        for (int i = 0; i < 10; i++) {
            JsonObject s = steps.get(i).getAsJsonObject();
            assertEquals(i >= 3, s.get("negative_active").getAsBoolean(), "call " + i);
            double cosine = s.get("cosine").getAsDouble();
            assertTrue(cosine >= -1 && cosine <= 1);
            assertTrue(s.get("norm_guidance").getAsDouble() > 0);
            assertTrue(s.get("sigma").getAsDouble() > 0);
        }
        List<String> csv = Files.readAllLines(dir.resolve("trace.csv"));
        assertEquals(11, csv.size());
        assertThat(csv.get(0)).startsWith("call,timestep,sigma,negative_active");
        BufferedImage sheet = ImageIO.read(dir.resolve("sheet.png").toFile());
        assertTrue(sheet.getWidth() > 500 && sheet.getHeight() > 400);
        assertThat(PngWriter.readParameters(dir.resolve("sheet.png"))).contains("Negative start: 0.3");
    }

    @Test
    void traceWithTheRealVae() throws Exception {
        Path dir = tmp.resolve("t");
        var r = run(
                "generate",
                "-p",
                "cat",
                "-s",
                "1",
                "--steps",
                "3",
                "--trace",
                dir.toString(),
                "--trace-decode",
                "-q",
                "-o",
                tmp.resolve("x.png").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(dir.resolve("sheet.png")));
    }

    @Test
    void unwritableTraceFolderIsRefusedBeforeWork() throws Exception {
        Path file = tmp.resolve("afile");
        Files.writeString(file, "x");
        var r = run(
                "generate",
                "-p",
                "cat",
                "--trace",
                file.resolve("sub").toString(),
                "-q",
                "-o",
                tmp.resolve("x.png").toString());
        assertEquals(2, r.exitCode());
        assertThat(r.err()).contains("cannot write the trace");
        assertFalse(Files.exists(tmp.resolve("x.png")));
    }

    @Test
    void compareRendersOneLabelledColumnPerSetting() throws Exception {
        Path grid = tmp.resolve("grid.png");
        var r = run(
                "compare",
                "-p",
                "a red circle",
                "-n",
                "blue",
                "-s",
                "9",
                "--steps",
                "6",
                "--starts",
                "none,0,0.5,3",
                "-q",
                "-o",
                grid.toString());
        assertEquals(0, r.exitCode(), r.err());
        BufferedImage image = ImageIO.read(grid.toFile());
        assertEquals(10 + 4 * (256 + 10), image.getWidth());
        assertThat(PngWriter.readParameters(grid)).contains("a red circle").contains("seed 9");
        var bad = run(
                "compare",
                "-p",
                "a red circle",
                "-n",
                "blue",
                "--steps",
                "6",
                "--starts",
                "0,7",
                "-q",
                "-o",
                grid.toString());
        assertEquals(2, bad.exitCode());
        assertThat(bad.err()).contains("negative start").contains("7");
        var noNegative = run("compare", "-p", "a red circle", "-q", "-o", grid.toString());
        assertEquals(2, noNegative.exitCode());
    }

    @Test
    void benchTraceReportsBothMedians() {
        var r = run("bench-trace", "-p", "cat", "-n", "dog", "--steps", "2", "--runs", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out())
                .contains("without trace")
                .contains("with trace (cheap previews)")
                .contains("overhead");
    }

    private static String[] concat(List<String> a, String... more) {
        var all = new java.util.ArrayList<>(a);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
