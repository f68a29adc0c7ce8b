package dev.torchsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.Differences;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestModels;
import dev.torchsd.TestPython;
import dev.torchsd.scheduler.Schedulers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * torchsd against diffusers' StableDiffusionPipeline, on the built-in model (docs/diffusers-parity.md). The
 * reference is {@code src/test/python/diffusers_reference.py}: diffusers' encode_prompt and denoising loop
 * written out over the model's TorchScript exports, with the schedulers of {@code scheduler_steps.py}
 * (diffusers' formulas in torch, not torchsd's code). One python3 process computes every case; each case
 * then runs through torchsd and must give the same final latents and the same images.
 *
 * <p>"The same" is float32's: torchsd's libtorch and the reference's torch round the networks' outputs
 * differently by an ulp or two, and the loop, guidance most, amplifies that. So the latents may differ by
 * 1e-5 of their largest magnitude, or by {@value #SENSITIVITY_MARGIN} times the case's float sensitivity
 * where that is larger (how far the reference itself moves when its U-Net outputs are rounded two ulps
 * differently; measured for the cases with guidance). Image channel values must be equal, except for a
 * difference of 1 where the reference's unrounded value sits on a rounding boundary (within 255 x 1e-5, or
 * the margin times the sensitivity of the unrounded values).
 *
 * <p>The matrix: every scheduler class {@link Schedulers#names()} offers, plus DPM++ 2M Karras, x clip skip
 * 1 and 2 x {a negative prompt, the empty negative prompt, guidance 1} x batch 1 and 2, at 80x64, 4 steps.
 */
class DiffusersReferenceTest {
    static final String PROMPT = "a red circle at the top left on a gray background";
    static final long SEED = 7;
    static final int STEPS = 4;
    static final int WIDTH = 80;
    static final int HEIGHT = 64;
    /** The latents may differ by this much, relative to their largest magnitude, ... */
    static final double LATENT_TOLERANCE = 1e-5;
    /** ... or by this many times the case's float sensitivity, if larger (the worst case measured needs 6). */
    static final double SENSITIVITY_MARGIN = 20;

    /** The negative side of a case: what diffusers gets as negative_prompt and guidance_scale. */
    enum Negative {
        PROMPT("a blue square", 7.5),
        EMPTY("", 7.5),
        NO_GUIDANCE("a blue square", 1.0);

        final String text;
        final double guidance;

        Negative(String text, double guidance) {
            this.text = text;
            this.guidance = guidance;
        }
    }

    record Case(String sampler, int clipSkip, Negative negative, int batch) {
        String id() {
            return (sampler + "-skip" + clipSkip + "-" + negative + "-b" + batch).replaceAll("[^A-Za-z0-9-]", "_");
        }

        GenerationRequest request() {
            return GenerationRequest.of(PROMPT)
                    .withNegativePrompt(negative.text)
                    .withSeed(SEED)
                    .withSteps(STEPS)
                    .withGuidanceScale(negative.guidance)
                    .withSize(WIDTH, HEIGHT)
                    .withBatchSize(batch)
                    .withScheduler(sampler)
                    .withClipSkip(clipSkip);
        }

        JsonObject json() {
            JsonObject o = ReferenceCases.of(
                    id(),
                    sampler,
                    PROMPT,
                    negative.text,
                    SEED,
                    STEPS,
                    negative.guidance,
                    WIDTH,
                    HEIGHT,
                    batch,
                    clipSkip);
            return o;
        }

        @Override
        public String toString() {
            return sampler + ", clip skip " + clipSkip + ", " + negative + ", batch " + batch;
        }
    }

    @TempDir
    static Path work;

    static StableDiffusion sd;
    static JsonObject sensitivity;

    /** Every diffusers scheduler class by its own name, and one Karras variant. */
    static List<String> samplers() {
        List<String> samplers = new ArrayList<>();
        for (String name : Schedulers.names()) {
            if (Schedulers.className(name).equals(name)) {
                samplers.add(name);
            }
        }
        samplers.add("DPM++ 2M Karras");
        return samplers;
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String sampler : samplers()) {
            for (int clipSkip : new int[] {1, 2}) {
                for (Negative negative : Negative.values()) {
                    for (int batch : new int[] {1, 2}) {
                        cases.add(new Case(sampler, clipSkip, negative, batch));
                    }
                }
            }
        }
        return cases;
    }

    @BeforeAll
    static void runReference() throws IOException, InterruptedException {
        TestPython.assumeModules("the comparison with diffusers' pipeline was not run", "torch", "numpy", "regex");
        JsonArray all = new JsonArray();
        cases().forEach(c -> all.add(c.json()));
        Path casesFile = Files.writeString(work.resolve("cases.json"), new Gson().toJson(all), StandardCharsets.UTF_8);
        TestPython.run(
                TestPython.python(),
                "src/test/python/diffusers_reference.py",
                TestModels.builtinFolder().toString(),
                casesFile.toString(),
                work.toString());
        sensitivity = JsonParser.parseString(Files.readString(work.resolve("sensitivity.json")))
                .getAsJsonObject();
        sd = StableDiffusion.builtin();
    }

    /** The allowed difference for a case: {@code floor}, or the margin times the case's sensitivity of {@code kind}. */
    static double allowed(Case c, String kind, double floor) {
        return Math.max(
                floor,
                SENSITIVITY_MARGIN
                        * sensitivity.getAsJsonObject(c.id()).get(kind).getAsDouble());
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    @Test
    void theMatrixCoversEverySchedulerClass() {
        Set<String> offered = new TreeSet<>();
        Schedulers.names().forEach(name -> offered.add(Schedulers.className(name)));
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(Schedulers.className(c.sampler())));
        assertThat(covered).isEqualTo(offered);
    }

    static Latents readNpy(String name) throws IOException {
        Path file = work.resolve(name);
        return Latents.fromNpy(Files.readAllBytes(file), file.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameLatentsAndImagesAsDiffusers(Case c) throws IOException {
        GenerationResult result = sd.generate(c.request());
        assertSameLatents(c, result.latents(), readNpy(c.id() + ".npy"));
        assertThat(result.images()).hasSize(c.batch());
        // the reference images' values before rounding, (B, H, W, 3) in 0..255, in the .npy layout Latents reads
        float[] unrounded = readNpy(c.id() + ".pixels.npy").values();
        for (int k = 0; k < c.batch(); k++) {
            BufferedImage expected =
                    ImageIO.read(work.resolve(c.id() + "-" + (k + 1) + ".png").toFile());
            assertSameImage(c, k, result.images().get(k), expected, unrounded);
        }
    }

    static void assertSameLatents(Case c, Latents actual, Latents expected) {
        assertThat(actual.shape()).as("%s: latents shape", c).containsExactly(expected.shape());
        float[] a = actual.values();
        float[] b = expected.values();
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < b.length; i++) {
            largest = Math.max(largest, Math.abs(b[i]));
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertThat(worst / largest)
                .as("%s: max |torchsd - diffusers| / max |diffusers| of the final latents", c)
                .isLessThanOrEqualTo(allowed(c, "latents", LATENT_TOLERANCE));
    }

    /** Every channel value equal, but for differences of 1 where the reference's unrounded value sits on a boundary. */
    static void assertSameImage(Case c, int k, BufferedImage actual, BufferedImage expected, float[] unrounded) {
        int width = expected.getWidth();
        int height = expected.getHeight();
        assertThat(actual.getWidth()).isEqualTo(width);
        assertThat(actual.getHeight()).isEqualTo(height);
        double tie = allowed(c, "pixels", 255 * LATENT_TOLERANCE);
        int differing = 0;
        int atTies = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int channel = 0; channel < 3; channel++) {
                    int shift = 16 - 8 * channel;
                    int a = (actual.getRGB(x, y) >> shift) & 255;
                    int e = (expected.getRGB(x, y) >> shift) & 255;
                    if (a != e) {
                        differing++;
                        float value = unrounded[((k * height + y) * width + x) * 3 + channel];
                        if (Math.abs(a - e) == 1 && Math.abs(value - Math.floor(value) - 0.5) <= tie) {
                            atTies++;
                        }
                    }
                }
            }
        }
        assertThat(differing - atTies)
                .as(
                        "%s, image %d: %d channel values differ (largest difference %d), %d of them by 1 within %.2g"
                                + " of a rounding boundary",
                        c, k + 1, differing, Differences.maxPixelDifference(actual, expected), atTies, tie)
                .isZero();
    }
}
