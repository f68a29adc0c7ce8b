package dev.torchsd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C during a generation stops it after the step, exits 130 and leaves no output file and no crash log. */
class InterruptTest {
    @TempDir
    Path tmp;

    @Test
    void interruptedGenerationLeavesNoFile() throws Exception {
        Path out = tmp.resolve("never.png");
        Process p = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.torchsd.cli.Main",
                        "generate",
                        "-p",
                        "cat",
                        "--steps",
                        "900",
                        "-W",
                        "256",
                        "-H",
                        "256",
                        "-o",
                        out.toString()))
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("log.txt").toFile())
                .start();
        // wait until the loop runs: the progress bar has printed a step count
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline
                && p.isAlive()
                && !Files.readString(tmp.resolve("log.txt")).contains("/90")) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), Files.readString(tmp.resolve("log.txt")));
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(130, p.exitValue(), Files.readString(tmp.resolve("log.txt")));
        assertTrue(Files.readString(tmp.resolve("log.txt")).contains("cancelled: generation cancelled after step"));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(tmp.resolve("log.txt")), files.toList());
        }
    }
}
