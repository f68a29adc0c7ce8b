package dev.torchsd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Running the Python side (native/: the exporter, fake checkpoints) from tests. Tests that need it
 * call {@link #assumeTorch} and are skipped, saying why, where no python3 with torch is installed.
 */
public final class TestPython {
    private TestPython() {}

    /** Debian's python3 (which has python3-torch) when present, else whatever python3 is on the PATH. */
    public static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Skips the calling test (or test class, from a {@code @BeforeAll}) unless python3 has torch, saying what was not done. */
    public static void assumeTorch(String notDone) throws InterruptedException {
        assumeModules(notDone, "torch");
    }

    /** The tiny models' tokenizer (native/make_vocab.py on native/vocab_corpus.txt), written to {@code dir/tok}. */
    public static Path tinyTokenizer(Path dir) throws IOException, InterruptedException {
        Path tokenizer = dir.resolve("tok");
        run(python(), "native/make_vocab.py", "native/vocab_corpus.txt", tokenizer.toString());
        return tokenizer;
    }

    /**
     * Skips the calling test unless python3 can import every one of {@code modules} (Debian packages
     * python3-MODULE), naming the first one missing and what was not done.
     */
    public static void assumeModules(String notDone, String... modules) throws InterruptedException {
        for (String module : modules) {
            Assumptions.assumeTrue(
                    canImport(module),
                    "python3 module '" + module + "' not found (Debian: apt-get install" + " python3-" + module + "); "
                            + notDone);
        }
    }

    public static boolean hasTorch() throws InterruptedException {
        return canImport("torch");
    }

    private static boolean canImport(String module) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(python(), "-c", "import " + module)
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a command from the project folder with native/ and native/tests importable; fails the test unless it exits 0. */
    public static void run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", "native:native/tests");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES))
                .as("timed out: %s", String.join(" ", command))
                .isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    }

    /**
     * Writes fake checkpoint {@code kind} ({@code native/tests/fake_checkpoints.py single}) to {@code file} and
     * exports it with {@code ./cppbuild.sh export} into {@code out}, as a user exports a downloaded file.
     */
    public static void exportFakeCheckpoint(String kind, Path file, Path tokenizer, Path out)
            throws IOException, InterruptedException {
        run(python(), "native/tests/fake_checkpoints.py", "single", kind, file.toString());
        run(
                "./cppbuild.sh",
                "export",
                "--checkpoint",
                file.toString(),
                "--out",
                out.toString(),
                "--tokenizer",
                tokenizer.toString());
    }
}
