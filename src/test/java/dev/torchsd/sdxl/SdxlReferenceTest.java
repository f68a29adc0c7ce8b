package dev.torchsd.sdxl;

import static dev.torchsd.TestPython.python;
import static dev.torchsd.TestPython.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.Differences;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.pipeline.SdxlConditioning;
import dev.torchsd.pipeline.SizeConditioning;
import dev.torchsd.scheduler.Schedulers;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * torchsd on an SDXL export against diffusers' StableDiffusionXLPipeline written out in Python
 * ({@code src/test/python/sdxl_reference.py}: both text encoders, the pooled embedding, the time ids, zeros for
 * the empty negative prompt): the same final latents within 1e-4 of their largest magnitude and the same image
 * within 1/255, for two schedulers, with and without a negative prompt, with clip skip 2 (both encoders one layer
 * earlier, the negative prompt on diffusers' default layer), on the reduced SDXL export.
 */
class SdxlReferenceTest {
    static final String PROMPT = "a red circle at the top left on a gray background";
    static final int SIZE = 64;
    static final int STEPS = 3;

    record Case(String sampler, String negative, int batch, boolean sized, int clipSkip) {
        String id() {
            return (sampler + "-" + (negative.isEmpty() ? "zeros" : "negative") + "-b" + batch + (sized ? "-sized" : "")
                            + (clipSkip != 1 ? "-skip" + clipSkip : ""))
                    .replaceAll("[^A-Za-z0-9-]", "_");
        }

        GenerationRequest request() {
            GenerationRequest r = GenerationRequest.of(PROMPT)
                    .withNegativePrompt(negative)
                    .withSeed(11)
                    .withSteps(STEPS)
                    .withSize(SIZE, SIZE)
                    .withBatchSize(batch)
                    .withClipSkip(clipSkip)
                    .withScheduler(sampler);
            return sized
                    ? r.withSdxl(SdxlConditioning.DEFAULT.withSize(
                            SizeConditioning.DEFAULT.withOriginalSize(512, 384).withCrop(8, 16)))
                    : r;
        }

        JsonObject json() {
            JsonObject o = new JsonObject();
            o.addProperty("id", id());
            o.addProperty("scheduler", Schedulers.className(sampler));
            JsonObject config = new JsonObject();
            Schedulers.fixedValues(sampler).forEach(config::addProperty);
            o.add("config", config);
            o.addProperty("prompt", PROMPT);
            o.addProperty("negative_prompt", negative);
            o.addProperty("seed", 11);
            o.addProperty("steps", STEPS);
            o.addProperty("guidance_scale", GenerationRequest.DEFAULT_GUIDANCE);
            o.addProperty("width", SIZE);
            o.addProperty("height", SIZE);
            o.addProperty("batch_size", batch);
            o.addProperty("clip_skip", clipSkip);
            if (sized) {
                o.add("original_size", new Gson().toJsonTree(new int[] {384, 512}));
                o.add("crop", new Gson().toJsonTree(new int[] {8, 16}));
            }
            return o;
        }

        @Override
        public String toString() {
            return id();
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("EulerDiscreteScheduler", "", 1, false, 1),
                new Case("EulerDiscreteScheduler", "a blue square", 2, true, 1),
                new Case("EulerDiscreteScheduler", "a blue square", 1, false, 2),
                new Case("DPM++ 2M Karras", "", 1, false, 1),
                new Case("DPM++ 2M Karras", "a blue square", 1, false, 1));
    }

    @TempDir
    static Path dir;

    static StableDiffusion sd;

    @BeforeAll
    static void exportAndRunReference() throws Exception {
        Path model = SdxlModels.export(dir, "sdxl-small");
        JsonArray all = new JsonArray();
        cases().forEach(c -> all.add(c.json()));
        Path casesFile = Files.writeString(dir.resolve("cases.json"), new Gson().toJson(all), StandardCharsets.UTF_8);
        run(python(), "src/test/python/sdxl_reference.py", model.toString(), casesFile.toString(), dir.toString());
        sd = StableDiffusion.load(model);
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameLatentsAndImagesAsDiffusersSdxlPipeline(Case c) throws Exception {
        GenerationResult result = sd.generate(c.request());
        Path npy = dir.resolve(c.id() + ".npy");
        Latents expected = Latents.fromNpy(Files.readAllBytes(npy), npy.toString());
        assertThat(result.latents().shape()).containsExactly(expected.shape());
        float[] a = result.latents().values();
        float[] b = expected.values();
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < b.length; i++) {
            largest = Math.max(largest, Math.abs(b[i]));
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertThat(worst / largest)
                .as("%s: max |torchsd - diffusers| / max |diffusers| of the final latents", c)
                .isLessThanOrEqualTo(1e-4);
        for (int k = 0; k < c.batch(); k++) {
            BufferedImage reference =
                    ImageIO.read(dir.resolve(c.id() + "-" + (k + 1) + ".png").toFile());
            assertThat(Differences.maxPixelDifference(result.images().get(k), reference))
                    .as("%s, image %d", c, k + 1)
                    .isLessThanOrEqualTo(1);
        }
    }
}
