package dev.torchsd.exporter;

import static dev.torchsd.Differences.maxPixelDifference;
import static dev.torchsd.TestPython.python;
import static dev.torchsd.TestPython.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.Internals;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestPython;
import dev.torchsd.model.Manifest;
import dev.torchsd.model.WeightsDtype;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.tensor.LibTorch;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reduced SD 2.x and SD 1.x checkpoints (random weights, the real key layouts: OpenCLIP text tower,
 * linear projections, 64-channel heads; a diffusers folder) exported by {@code ./cppbuild.sh export}
 * and run by the Java pipeline: the manifest's pad id, prediction type and scheduler reach the
 * generation. Skipped, saying why, where no python3 with torch is installed.
 */
class CheckpointExportTest {
    @TempDir
    static Path dir;

    static Path tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        TestPython.assumeTorch("checkpoint exports were not tested");
        LibTorch.ensureLoaded();
        tokenizer = TestPython.tinyTokenizer(dir);
    }

    @Test
    void sd2SingleFileGeneratesWithPadZeroAndVPrediction() throws Exception {
        Path file = dir.resolve("v2-1_768-ema-pruned.safetensors");
        run(python(), "native/tests/fake_checkpoints.py", "single", "sd2-small", file.toString(), "fp16");
        Path model = export(file, "sd2");
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            Manifest m = Internals.model(sd).manifest();
            assertEquals("sd2", m.family());
            assertEquals("v_prediction", m.predictionType());
            assertEquals(0, m.textEncoder().padTokenId());
            assertEquals(768, m.defaultWidth());
            assertEquals("DDIMScheduler", m.scheduler().get("_class_name").getAsString());
            int[] ids = Internals.model(sd).tokenizer().encodePadded("a cat").ids();
            assertThat(Arrays.stream(ids).skip(4)).containsOnly(0);

            GenerationRequest request =
                    GenerationRequest.of("a cat").withSize(64, 64).withSteps(2).withSeed(3);
            BufferedImage v = sd.generate(request).image();
            assertEquals(64, v.getWidth());
            BufferedImage asEpsilon = sd.generate(request.withSchedulerOverride("prediction_type", "epsilon"))
                    .image();
            BufferedImage again = sd.generate(request).image();
            assertThat(pixels(again)).isEqualTo(pixels(v));
            assertThat(pixels(asEpsilon)).isNotEqualTo(pixels(v));
            BufferedImage skip2 = sd.generate(request.withClipSkip(2)).image();
            assertThat(pixels(skip2)).isNotEqualTo(pixels(v));
        }
    }

    @Test
    void sd1DiffusersFolderGenerates() throws Exception {
        Path folder = dir.resolve("diffusers-sd1");
        run(
                python(),
                "native/tests/fake_checkpoints.py",
                "diffusers",
                "sd1-small",
                folder.toString(),
                tokenizer.toString());
        Path model = dir.resolve("sd1-model");
        run("./cppbuild.sh", "export", "--checkpoint", folder.toString(), "--out", model.toString());
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            Manifest m = Internals.model(sd).manifest();
            assertEquals("sd1", m.family());
            assertEquals("epsilon", m.predictionType());
            assertEquals(
                    Internals.model(sd).tokenizer().vocabularySize() - 1,
                    m.textEncoder().padTokenId());
            BufferedImage image = sd.generate(
                            GenerationRequest.of("a dog").withSize(64, 80).withSteps(2))
                    .image();
            assertEquals(80, image.getHeight());
        }
    }

    @Test
    void fp16ExportGeneratesWhatFp32Does() throws Exception {
        Path file = dir.resolve("scaled.safetensors");
        run(python(), "native/tests/fake_checkpoints.py", "single", "sd1-small", file.toString(), "fp32", "scaled");
        Path fp32 = export(file, "fp32");
        Path fp16 = dir.resolve("fp16-model");
        run(
                "./cppbuild.sh",
                "export",
                "--checkpoint",
                file.toString(),
                "--out",
                fp16.toString(),
                "--tokenizer",
                tokenizer.toString(),
                "--dtype",
                "fp16"); // --weights' older name
        assertEquals(WeightsDtype.FLOAT16, Manifest.read(fp16).weightsDtype());
        assertThat(Files.size(fp16.resolve("unet.pt"))).isLessThan(Files.size(fp32.resolve("unet.pt")) * 6 / 10);
        GenerationRequest request =
                GenerationRequest.of("a cat").withSize(64, 64).withSteps(3).withSeed(1);
        BufferedImage full;
        BufferedImage half;
        try (StableDiffusion sd = StableDiffusion.load(fp32)) {
            full = sd.generate(request).image();
        }
        try (StableDiffusion sd = StableDiffusion.load(fp16)) {
            half = sd.generate(request).image();
        }
        assertThat(maxPixelDifference(full, half))
                .as("largest channel difference fp16 vs fp32")
                .isBetween(0, 3);
    }

    @Test
    void exportRefusesANonEmptyOutputFolder() throws Exception {
        Path file = dir.resolve("sd1.safetensors");
        run(python(), "native/tests/fake_checkpoints.py", "single", "sd1-small", file.toString());
        Path out = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        Process p = new ProcessBuilder(
                        "./cppbuild.sh",
                        "export",
                        "--checkpoint",
                        file.toString(),
                        "--out",
                        out.toString(),
                        "--tokenizer",
                        tokenizer.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertEquals(2, p.exitValue(), output);
        assertThat(output).contains("not empty").contains("--force");
        assertThat(out.resolve("keep.txt")).hasContent("mine");
    }

    private static Path export(Path checkpoint, String name) throws Exception {
        Path out = dir.resolve(name + "-model");
        run(
                "./cppbuild.sh",
                "export",
                "--checkpoint",
                checkpoint.toString(),
                "--out",
                out.toString(),
                "--tokenizer",
                tokenizer.toString());
        return out;
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
