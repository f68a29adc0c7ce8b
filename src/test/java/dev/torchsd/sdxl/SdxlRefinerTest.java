package dev.torchsd.sdxl;

import static dev.torchsd.TestPython.python;
import static dev.torchsd.TestPython.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.pipeline.RequestException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reduced SDXL refiner: diffusers' denoising_end / denoising_start hand-over from the reduced base (the
 * base runs the timesteps at or above the cut-off, the refiner the rest from the base's latents as they are,
 * with its aesthetic-score time ids), against {@code sdxl_reference.py} doing both halves; the refiner alone
 * for image-to-image; and refused as a base model.
 */
class SdxlRefinerTest {
    static final int SIZE = 64;
    static final int STEPS = 4;
    static final double SWITCH = 0.75;

    @TempDir
    static Path dir;

    static StableDiffusion base;
    static StableDiffusion refiner;
    static Path refinerFolder;

    @BeforeAll
    static void export() throws Exception {
        Path baseFolder = SdxlModels.export(dir, "sdxl-small");
        refinerFolder = SdxlModels.export(dir, "sdxl-refiner-small");
        base = StableDiffusion.load(baseFolder);
        refiner = StableDiffusion.load(refinerFolder);
        // the Python reference of both halves: the base up to the switch, the refiner on from its own latents
        JsonObject first = reference("base");
        first.addProperty("denoising_end", SWITCH);
        JsonObject second = reference("refined");
        second.addProperty("denoising_start", SWITCH);
        second.addProperty("initial_latents", dir.resolve("base.npy").toString());
        second.addProperty("aesthetic_score", 7.0);
        runReference(baseFolder, first);
        runReference(refinerFolder, second);
    }

    static JsonObject reference(String id) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("scheduler", "EulerDiscreteScheduler");
        o.add("config", new JsonObject());
        o.addProperty("prompt", "a cat");
        o.addProperty("negative_prompt", "");
        o.addProperty("seed", 4);
        o.addProperty("steps", STEPS);
        o.addProperty("guidance_scale", GenerationRequest.DEFAULT_GUIDANCE);
        o.addProperty("width", SIZE);
        o.addProperty("height", SIZE);
        o.addProperty("batch_size", 1);
        o.addProperty("clip_skip", 1);
        return o;
    }

    static void runReference(Path model, JsonObject c) throws Exception {
        JsonArray cases = new JsonArray();
        cases.add(c);
        Path file = Files.writeString(
                dir.resolve(c.get("id").getAsString() + ".json"), new Gson().toJson(cases), StandardCharsets.UTF_8);
        run(python(), "src/test/python/sdxl_reference.py", model.toString(), file.toString(), dir.toString());
    }

    @AfterAll
    static void close() {
        if (base != null) {
            base.close();
        }
        if (refiner != null) {
            refiner.close();
        }
    }

    static GenerationRequest request() {
        return GenerationRequest.of("a cat").withSeed(4).withSteps(STEPS).withSize(SIZE, SIZE);
    }

    static Latents npy(String id) throws Exception {
        Path file = dir.resolve(id + ".npy");
        return Latents.fromNpy(Files.readAllBytes(file), file.toString());
    }

    static double relativeDifference(Latents actual, Latents expected) {
        float[] a = actual.values();
        float[] b = expected.values();
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < b.length; i++) {
            largest = Math.max(largest, Math.abs(b[i]));
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst / largest;
    }

    @Test
    void handsTheLatentsOverAtTheSwitchAsDiffusers() throws Exception {
        List<Integer> baseCalls = new ArrayList<>();
        GenerationResult first = base.generate(
                request().withDenoising(0, SWITCH), GenerationListener.onEachStep(p -> baseCalls.add(p.totalSteps())));
        // Euler, 4 leading steps: timesteps 751, 501, 251, 1; the cut-off round(1000 - 750) = 250 leaves 3 to the base
        assertThat(baseCalls).containsExactly(3, 3, 3);
        assertThat(relativeDifference(first.latents(), npy("base"))).isLessThanOrEqualTo(1e-4);

        List<Integer> refinerCalls = new ArrayList<>();
        GenerationRequest second = request()
                .withInitialLatents(first.latents())
                .withDenoising(SWITCH, 1)
                .withSdxl(dev.torchsd.pipeline.SdxlConditioning.DEFAULT.withAestheticScores(7.0, 2.5));
        GenerationResult refined =
                refiner.generate(second, GenerationListener.onEachStep(p -> refinerCalls.add(p.totalSteps())));
        assertThat(refinerCalls).containsExactly(1);
        assertThat(relativeDifference(refined.latents(), npy("refined"))).isLessThanOrEqualTo(1e-4);
    }

    /** AUTOMATIC1111 writes {@code Model: base, ..., Refiner: refiner [hash], Refiner switch at: 0.8}. */
    @Test
    void theRefinedImagesInfotextNamesTheBaseModelAndTheRefiner() {
        GenerationResult first = base.generate(request().withDenoising(0, SWITCH));
        GenerationResult refined = refiner.generate(request()
                .withInitialLatents(first.latents())
                .withDenoising(SWITCH, 1)
                .withSdxl(dev.torchsd.pipeline.SdxlConditioning.DEFAULT.withAestheticScores(7.0, 2.5)));
        GenerationResult both = first.refinedBy(refined);
        assertThat(both.images()).isEqualTo(refined.images());
        assertThat(both.latents()).isEqualTo(refined.latents());
        assertThat(both.modelName()).isEqualTo("sdxl-small");
        assertThat(both.infotext())
                .contains("Model: sdxl-small,")
                .contains("SDXL aesthetic score: 7, Refiner: sdxl-refiner-small, Refiner switch at: 0.75,");
        assertThat(first.infotext()).doesNotContain("Refiner");
        assertThat(refined.infotext()).contains("Model: sdxl-refiner-small,").doesNotContain("Refiner:");
    }

    @Test
    void theRefinerIsNotABaseModel() {
        RequestException e = assertThrows(RequestException.class, () -> refiner.generate(request()));
        assertThat(e.getMessage()).contains("is an SDXL refiner (family sdxl-refiner), not a base model");
        RequestException noLatents = assertThrows(
                RequestException.class, () -> refiner.generate(request().withDenoising(SWITCH, 1)));
        assertThat(noLatents.getMessage()).contains("give them as the initial latents");
    }

    @Test
    void theRefinerAloneChangesAnImage() {
        BufferedImage picture = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        var g = picture.createGraphics();
        g.setColor(new Color(30, 90, 200));
        g.fillRect(0, 0, SIZE, SIZE);
        g.dispose();
        GenerationResult result =
                refiner.generate(request().withImage(ImageInput.of(picture).withStrength(0.3)));
        assertThat(result.image().getWidth()).isEqualTo(SIZE);
        assertThat(result.latents().shape()).containsExactly(1, 4, SIZE / 8, SIZE / 8);
    }
}
