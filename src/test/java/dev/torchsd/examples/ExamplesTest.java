package dev.torchsd.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.image.PngWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples in examples/ run as a user runs them and write the images they promise. */
class ExamplesTest {
    @TempDir
    Path tmp;

    private static final Path EXAMPLES = Path.of("examples").toAbsolutePath();

    private String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command)
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + output);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    private static String java(String tool) {
        return Path.of(System.getProperty("java.home"), "bin", tool).toString();
    }

    @Test
    void javaProgramGeneratesPizza() throws Exception {
        Path out = tmp.resolve("pizza.png");
        String output = run(List.of(
                java("java"),
                "-cp",
                System.getProperty("java.class.path"),
                EXAMPLES.resolve("GeneratePizza.java").toString(),
                out.toString()));
        assertThat(output).contains("step 20/").contains("wrote");
        assertThat(PngWriter.readParameters(out))
                .startsWith("girl eating pizza\nNegative prompt: blurry, lowres\nSteps: 20");
    }

    @Test
    void jshellScriptGeneratesAndLooksInside() throws Exception {
        Path jshell = Path.of(java("jshell"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(jshell), "this JDK has no jshell");
        String output = run(List.of(
                jshell.toString(),
                "--class-path",
                System.getProperty("java.class.path"),
                EXAMPLES.resolve("generate.jsh").toString()));
        assertThat(output).contains("Seed: 7").contains("vocabulary: ");
        assertThat(PngWriter.readParameters(tmp.resolve("jshell.png")))
                .startsWith("a red circle on the left, blue background");
    }
}
