package dev.torchsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.Differences;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestModels;
import dev.torchsd.TestPython;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Image-to-image and blend inpainting against diffusers' img2img and inpaint pipelines, on the
 * built-in model. The reference is {@code src/test/python/img2img_reference.py}: the pipelines' steps
 * written out with their formulas over the model's TorchScript exports (encoder, add_noise, the
 * blend, the overlay) and the schedulers of {@code scheduler_steps.py}. The start image is a torchsd
 * text-to-image result; the mask repaints the right half. Each case must give the same final latents
 * (within 1e-4 of their largest magnitude) and images within 1/255.
 */
class ImageToImageReferenceTest {
    static final String PROMPT = "a blue circle on the left";
    static final long SEED = 11;
    static final int STEPS = 8;
    static final int SIZE = 64;
    static final double LATENT_TOLERANCE = 1e-4;
    /** Three deterministic samplers, a stochastic one, a multistep one and a two-call one. */
    static final List<String> SAMPLERS = List.of(
            "DDIMScheduler",
            "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler",
            "PNDMScheduler",
            "DPMSolverMultistepScheduler",
            "HeunDiscreteScheduler");

    enum Mode {
        IMG2IMG,
        BLEND
    }

    record Case(String sampler, Mode mode, double strength, int batch, String sampleMode) {
        String id() {
            return (sampler + "-" + mode + "-" + strength + "-b" + batch + "-" + sampleMode)
                    .replaceAll("[^A-Za-z0-9-]", "_");
        }

        GenerationRequest request() throws IOException {
            ImageInput input = ImageInput.of(ImageIO.read(start.toFile()))
                    .withStrength(strength)
                    .withSampling(
                            sampleMode.equals("argmax") ? ImageInput.Sampling.ARGMAX : ImageInput.Sampling.SAMPLE);
            if (mode == Mode.BLEND) {
                input = input.withMask(ImageIO.read(mask.toFile()));
            }
            return GenerationRequest.of(PROMPT)
                    .withSeed(SEED)
                    .withSteps(STEPS)
                    .withSize(SIZE, SIZE)
                    .withBatchSize(batch)
                    .withScheduler(sampler)
                    .withImage(input);
        }

        JsonObject json() {
            JsonObject o = ReferenceCases.of(
                    id(), sampler, PROMPT, "", SEED, STEPS, GenerationRequest.DEFAULT_GUIDANCE, SIZE, SIZE, batch, 1);
            o.addProperty("image", start.toString());
            o.addProperty("mask", mode == Mode.BLEND ? mask.toString() : null);
            o.addProperty("strength", strength);
            o.addProperty("sample_mode", sampleMode);
            return o;
        }

        @Override
        public String toString() {
            return sampler + ", " + mode + ", strength " + strength + ", batch " + batch + ", " + sampleMode;
        }
    }

    @TempDir
    static Path work;

    static Path start;
    static Path mask;
    static StableDiffusion sd;

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String sampler : SAMPLERS) {
            cases.add(new Case(sampler, Mode.IMG2IMG, 0.6, 1, "sample"));
            cases.add(new Case(sampler, Mode.BLEND, 1.0, 1, "sample"));
            cases.add(new Case(sampler, Mode.BLEND, 0.75, 1, "sample"));
        }
        cases.add(new Case("EulerAncestralDiscreteScheduler", Mode.IMG2IMG, 1.0, 2, "sample"));
        cases.add(new Case("DDIMScheduler", Mode.IMG2IMG, 0.3, 2, "argmax"));
        return cases;
    }

    @BeforeAll
    static void runReference() throws IOException, InterruptedException {
        TestPython.assumeModules(
                "the comparison with diffusers' img2img and inpaint pipelines was not run",
                "torch",
                "numpy",
                "regex",
                "PIL");
        sd = StableDiffusion.builtin();
        start = work.resolve("start.png");
        ImageIO.write(
                sd.generate(GenerationRequest.of("a red circle on the left").withSeed(3))
                        .images()
                        .get(0),
                "png",
                start.toFile());
        mask = work.resolve("mask.png");
        ImageIO.write(rightHalfMask(SIZE, SIZE), "png", mask.toFile());
        JsonArray all = new JsonArray();
        cases().forEach(c -> all.add(c.json()));
        Path casesFile = Files.writeString(work.resolve("cases.json"), new Gson().toJson(all), StandardCharsets.UTF_8);
        TestPython.run(
                TestPython.python(),
                "src/test/python/img2img_reference.py",
                TestModels.builtinFolder().toString(),
                casesFile.toString(),
                work.toString());
    }

    /** White (repaint) on the right half, black on the left. */
    static BufferedImage rightHalfMask(int width, int height) {
        BufferedImage m = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = width / 2; x < width; x++) {
                m.getRaster().setSample(x, y, 0, 255);
            }
        }
        return m;
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameLatentsAndImagesAsDiffusers(Case c) throws IOException {
        GenerationResult result = sd.generate(c.request());
        Path file = work.resolve(c.id() + ".npy");
        Latents expected = Latents.fromNpy(Files.readAllBytes(file), file.toString());
        float[] a = result.latents().values();
        float[] b = expected.values();
        assertThat(result.latents().shape()).containsExactly(expected.shape());
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < b.length; i++) {
            largest = Math.max(largest, Math.abs(b[i]));
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertThat(worst / largest)
                .as("%s: max |torchsd - diffusers| / max |diffusers| of the final latents", c)
                .isLessThanOrEqualTo(LATENT_TOLERANCE);
        for (int k = 0; k < c.batch(); k++) {
            BufferedImage reference =
                    ImageIO.read(work.resolve(c.id() + "-" + (k + 1) + ".png").toFile());
            assertThat(Differences.maxPixelDifference(result.images().get(k), reference))
                    .as("%s, image %d: largest channel difference", c, k + 1)
                    .isLessThanOrEqualTo(1);
        }
    }
}
