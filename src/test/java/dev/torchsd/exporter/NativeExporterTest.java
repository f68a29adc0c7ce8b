package dev.torchsd.exporter;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs the exporter's own Python tests (native/tests: SD 1.5's parameter counts and key names,
 * each block against its formula, scripted exports at several sizes) through {@code ./cppbuild.sh test}.
 * Skipped, saying why, where no python3 with torch is installed.
 */
class NativeExporterTest {

    @Test
    void exporterPythonTestsPass() throws Exception {
        Assumptions.assumeTrue(pythonHasTorch(), "python3 with torch not found (Debian: apt-get install python3-torch);"
                + " the exporter's tests in native/tests were not run");
        Process p = new ProcessBuilder("./cppbuild.sh", "test").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, p.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), output);
    }

    static boolean pythonHasTorch() throws IOException, InterruptedException {
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
