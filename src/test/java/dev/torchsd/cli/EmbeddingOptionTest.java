package dev.torchsd.cli;

import static dev.torchsd.cli.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import dev.torchsd.StableDiffusion;
import dev.torchsd.model.BuiltinModel;
import dev.torchsd.pipeline.GenerationRequest;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --embedding FILE[:TOKEN]} on generate and tokenize. */
class EmbeddingOptionTest {
    private static final String DIR = "src/test/resources/embeddings/";

    @TempDir
    Path tmp;

    @Test
    void tokenizeWithTheRealClipVocabularyGrowsItFrom49408To49424() {
        Path vocab = Path.of(
                System.getProperty("torchsd.shared", Path.of("..", "shared").toString()), "clip");
        Assumptions.assumeTrue(
                Files.isRegularFile(vocab.resolve("vocab.json")),
                "../shared not found: " + vocab.toAbsolutePath() + " is missing (set -Dtorchsd.shared=DIR)");
        GenerateCommandTest.Run r = run(
                "tokenize",
                "--vocab",
                vocab.toString(),
                "--json",
                "--embedding",
                DIR + "sd1_negative_16x768.safetensors:EasyNegativeV2",
                "a cat, EasyNegativeV2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(
                r.err().contains("16 token(s) EasyNegativeV2 … EasyNegativeV2_15, ids 49408..49423; vocabulary 49424"),
                r.err());
        JsonArray ids = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("ids");
        // <|startoftext|> a cat , then the 16 embedding ids, then <|endoftext|>
        assertEquals(1 + 3 + 16 + 1, ids.size());
        for (int i = 0; i < 16; i++) {
            assertEquals(49408 + i, ids.get(4 + i).getAsInt());
        }
        assertEquals(
                "EasyNegativeV2_15",
                JsonParser.parseString(r.out())
                        .getAsJsonObject()
                        .getAsJsonArray("tokens")
                        .get(19)
                        .getAsString());
    }

    @Test
    void tokenizeChecksTheWidthAgainstTheModel() {
        GenerateCommandTest.Run r =
                run("tokenize", "--model", BuiltinModel.folder().toString(), "--embedding", DIR + "sd1-style.pt", "x");
        assertEquals(Main.USER_ERROR, r.exitCode());
        assertTrue(
                r.err().startsWith("error: ")
                        && r.err().contains("vectors are 768 wide, but the model's text encoder expects 32"),
                r.err());
    }

    @Test
    void generateWithAnEmbeddingGivesTheApisImage() throws Exception {
        Path png = tmp.resolve("styled.png");
        GenerateCommandTest.Run r = run(
                "generate",
                "-p",
                "a photo of <style>",
                "-n",
                "tiny_negative_fp16",
                "-s",
                "3",
                "--steps",
                "3",
                "-q",
                "-o",
                png.toString(),
                "--embedding",
                DIR + "tiny-style.pt:<style>",
                "--embedding",
                DIR + "tiny_negative_fp16.safetensors");
        assertEquals(0, r.exitCode(), r.err());
        BufferedImage cli = ImageIO.read(png.toFile());
        BufferedImage api;
        try (StableDiffusion sd = StableDiffusion.builtin()) {
            sd.loadTextualInversion(Path.of(DIR + "tiny-style.pt"), "<style>");
            sd.loadTextualInversion(Path.of(DIR + "tiny_negative_fp16.safetensors"));
            api = sd.generate(GenerationRequest.of("a photo of <style>")
                            .withNegativePrompt("tiny_negative_fp16")
                            .withSeed(3)
                            .withSteps(3))
                    .image();
        }
        for (int y = 0; y < api.getHeight(); y++) {
            for (int x = 0; x < api.getWidth(); x++) {
                assertEquals(api.getRGB(x, y), cli.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void generateWarnsAboutNaNAndRefusesBadFilesInOneLine() {
        GenerateCommandTest.Run bad = run(
                "generate",
                "-p",
                "x",
                "--steps",
                "1",
                "-q",
                "-o",
                tmp.resolve("a.png").toString(),
                "--embedding",
                DIR + "os_system.pt");
        assertEquals(Main.USER_ERROR, bad.exitCode());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("refused global 'posix.system'"), bad.err());

        GenerateCommandTest.Run nan = run(
                "generate",
                "-p",
                "x",
                "--steps",
                "1",
                "-q",
                "-o",
                tmp.resolve("b.png").toString(),
                "--embedding",
                DIR + "nan_values.safetensors");
        assertEquals(0, nan.exitCode(), nan.err());
        assertTrue(
                nan.err()
                        .contains("warning: " + DIR
                                + "nan_values.safetensors: vector 1 of 'emb_params' holds 2 NaN values"),
                nan.err());
    }

    @Test
    void fileColonToken() {
        assertEquals(new EmbeddingArgument(Path.of("a/b.pt"), "<x>"), EmbeddingArgument.parse("a/b.pt:<x>"));
        assertEquals(new EmbeddingArgument(Path.of("a/b.pt"), null), EmbeddingArgument.parse("a/b.pt"));
        Path existing = Path.of(DIR + "a1111.bin");
        assertEquals(new EmbeddingArgument(existing, null), EmbeddingArgument.parse(existing.toString()));
        GenerateCommandTest.Run r = run("tokenize", "--embedding", "x.pt:", "y");
        assertEquals(Main.USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("the token after ':' is empty"), r.err());
    }
}
