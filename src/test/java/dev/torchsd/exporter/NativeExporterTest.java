package dev.torchsd.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.TestPython;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the exporter's own Python tests (native/tests: SD 1.5's parameter counts and key names,
 * each block against its formula, scripted exports at several sizes) through {@code ./cppbuild.sh test}.
 * Skipped, saying why, where no python3 with torch is installed.
 */
class NativeExporterTest {

    @Test
    void exporterPythonTestsPass() throws Exception {
        TestPython.assumeTorch("the exporter's tests in native/tests were not run");
        Process p = new ProcessBuilder("./cppbuild.sh", "test")
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, p.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), output);
    }
}
