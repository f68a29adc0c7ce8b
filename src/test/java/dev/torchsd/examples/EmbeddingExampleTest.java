package dev.torchsd.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.TestModels;
import dev.torchsd.image.PngWriter;
import dev.torchsd.model.Manifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** examples/embedding.jsh runs as a user runs it: the vocabulary grows by 16, the image is written. */
class EmbeddingExampleTest {
    @TempDir
    Path tmp;

    @Test
    void jshellScriptLoadsAnEmbedding() throws Exception {
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        Assumptions.assumeTrue(Files.isExecutable(jshell), "this JDK has no jshell");
        Path embedding = Path.of("src/test/resources/embeddings/tiny_negative_fp16.safetensors")
                .toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(
                        jshell.toString(),
                        "--class-path",
                        System.getProperty("java.class.path"),
                        Path.of("examples", "embedding.jsh").toAbsolutePath().toString())
                .directory(tmp.toFile())
                .redirectErrorStream(true);
        builder.environment().put("EMBEDDING", embedding.toString());
        Process p = builder.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + output);
        assertEquals(0, p.exitValue(), output);
        int vocabulary = Manifest.read(TestModels.builtinFolder()).textEncoder().vocabSize();
        assertThat(output)
                .contains("vocabulary before: " + vocabulary)
                .contains("vocabulary after:  " + (vocabulary + 16)
                        + " (16 tokens: tiny_negative_fp16 ... tiny_negative_fp16_15)")
                .contains("nearest to tiny_negative_fp16_2: [TokenMatch[id=");
        assertThat(PngWriter.readParameters(tmp.resolve("embedding.png")))
                .startsWith("a red circle\nNegative prompt: tiny_negative_fp16");
    }
}
