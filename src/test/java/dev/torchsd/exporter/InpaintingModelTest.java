package dev.torchsd.exporter;

import static dev.torchsd.TestPython.python;
import static dev.torchsd.TestPython.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.Differences;
import dev.torchsd.StableDiffusion;
import dev.torchsd.TestPython;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.Latents;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.server.Limits;
import dev.torchsd.server.ServerSettings;
import dev.torchsd.server.TorchsdServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A reduced 9-channel inpainting checkpoint (SD 1.5-inpainting's keys, input_blocks.0.0.weight of
 * shape [32, 9, 3, 3], random weights) exported by {@code ./cppbuild.sh export} and inpainting as
 * diffusers' inpaint pipeline does: the U-Net sees [latents, mask, masked-image latents], compared
 * with {@code img2img_reference.py} at strength 1.0 (pure noise) and 0.7; the unmasked pixels kept.
 */
class InpaintingModelTest {
    static final int SIZE = 64;

    @TempDir
    static Path dir;

    static Path image;
    static Path mask;
    static Path model;
    static StableDiffusion sd;

    @BeforeAll
    static void export() throws Exception {
        TestPython.assumeModules("the 9-channel inpainting export was not tested", "torch", "numpy", "regex", "PIL");
        Path tokenizer = TestPython.tinyTokenizer(dir);
        model = dir.resolve("inpainting-model");
        TestPython.exportFakeCheckpoint(
                "sd1-small-inpaint", dir.resolve("sd-v1-5-inpainting.safetensors"), tokenizer, model);
        image = dir.resolve("image.png");
        BufferedImage picture = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setColor(new Color(240, 240, 240));
        g.fillRect(0, 0, SIZE, SIZE);
        g.setColor(new Color(220, 40, 40));
        g.fillOval(4, 16, 30, 30);
        g.dispose();
        ImageIO.write(picture, "png", image.toFile());
        mask = dir.resolve("mask.png");
        BufferedImage m = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 8; y < 56; y++) {
            for (int x = 32; x < 60; x++) {
                m.getRaster().setSample(x, y, 0, 255);
            }
        }
        ImageIO.write(m, "png", mask.toFile());
        sd = StableDiffusion.load(model);
    }

    @AfterAll
    static void close() {
        if (sd != null) {
            sd.close();
        }
    }

    static GenerationRequest request(String sampler, double strength) throws Exception {
        return GenerationRequest.of("a cat")
                .withSize(SIZE, SIZE)
                .withSteps(3)
                .withSeed(5)
                .withScheduler(sampler)
                .withImage(ImageInput.of(ImageIO.read(image.toFile()))
                        .withMask(ImageIO.read(mask.toFile()))
                        .withStrength(strength));
    }

    @Test
    void theManifestSaysNineChannelsAndTextToImageIsRefused() throws Exception {
        assertThat(Files.readString(model.resolve("model.json"))).contains("\"in_channels\": 9");
        RequestException e = assertThrows(
                RequestException.class,
                () -> sd.generate(
                        GenerationRequest.of("a cat").withSize(SIZE, SIZE).withSteps(1)));
        assertThat(e.getMessage())
                .contains("is an inpainting model (its U-Net takes 9 channels, the latents have 4)")
                .contains("needs an image and a mask");
        assertThrows(
                RequestException.class,
                () -> sd.generate(GenerationRequest.of("a cat")
                        .withSize(SIZE, SIZE)
                        .withSteps(1)
                        .withImage(ImageInput.of(ImageIO.read(image.toFile())))));
    }

    @ParameterizedTest
    @CsvSource({"DDIMScheduler, 1.0", "EulerAncestralDiscreteScheduler, 1.0", "EulerDiscreteScheduler, 0.7"})
    void inpaintsAsDiffusers(String sampler, double strength) throws Exception {
        GenerationResult result = sd.generate(request(sampler, strength));
        String id = sampler + "-" + strength;
        JsonObject c = new JsonObject();
        c.addProperty("id", id);
        c.addProperty("scheduler", Schedulers.className(sampler));
        c.add("config", new JsonObject());
        c.addProperty("prompt", "a cat");
        c.addProperty("negative_prompt", "");
        c.addProperty("seed", 5);
        c.addProperty("steps", 3);
        c.addProperty("guidance_scale", GenerationRequest.DEFAULT_GUIDANCE);
        c.addProperty("width", SIZE);
        c.addProperty("height", SIZE);
        c.addProperty("batch_size", 1);
        c.addProperty("clip_skip", 1);
        c.addProperty("image", image.toString());
        c.addProperty("mask", mask.toString());
        c.addProperty("strength", strength);
        c.addProperty("sample_mode", "sample");
        JsonArray cases = new JsonArray();
        cases.add(c);
        Path casesFile = Files.writeString(dir.resolve(id + ".json"), new Gson().toJson(cases), StandardCharsets.UTF_8);
        run(python(), "src/test/python/img2img_reference.py", model.toString(), casesFile.toString(), dir.toString());
        Path npy = dir.resolve(id + ".npy");
        Latents expected = Latents.fromNpy(Files.readAllBytes(npy), npy.toString());
        float[] a = result.latents().values();
        float[] b = expected.values();
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < b.length; i++) {
            largest = Math.max(largest, Math.abs(b[i]));
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertThat(worst / largest)
                .as("max |torchsd - diffusers| / max |diffusers|")
                .isLessThanOrEqualTo(1e-4);
        BufferedImage reference = ImageIO.read(dir.resolve(id + "-1.png").toFile());
        assertThat(Differences.maxPixelDifference(result.image(), reference)).isLessThanOrEqualTo(1);
        BufferedImage original = ImageIO.read(image.toFile());
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < 32; x++) {
                assertThat(result.image().getRGB(x, y))
                        .as("kept pixel (%d, %d)", x, y)
                        .isEqualTo(original.getRGB(x, y));
            }
        }
    }

    @Test
    void theServerSaysItUsesInpaintingConditioning() throws Exception {
        assertThat(sd.info().inpainting()).isTrue();
        try (StableDiffusion builtin = StableDiffusion.builtin()) {
            assertThat(builtin.info().inpainting()).isFalse();
        }
        ServerSettings settings = new ServerSettings(
                ServerSettings.LOOPBACK,
                0,
                List.of(model),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                false,
                List.of(),
                1,
                1,
                Limits.DEFAULT,
                ServerSettings.DEFAULT_MAX_BODY);
        JsonObject body = new JsonObject();
        body.addProperty("prompt", "a cat");
        body.addProperty("steps", 3);
        body.addProperty("seed", 5);
        body.addProperty("width", SIZE);
        body.addProperty("height", SIZE);
        JsonArray init = new JsonArray();
        init.add(Base64.getEncoder().encodeToString(Files.readAllBytes(image)));
        body.add("init_images", init);
        body.addProperty("mask", Base64.getEncoder().encodeToString(Files.readAllBytes(mask)));
        try (TorchsdServer server = TorchsdServer.start(settings)) {
            HttpURLConnection c =
                    (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + "/sdapi/v1/img2img")
                            .toURL()
                            .openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.toString().getBytes(StandardCharsets.UTF_8));
            }
            assertThat(c.getResponseCode()).isEqualTo(200);
            try (InputStream in = c.getInputStream()) {
                JsonObject answer =
                        new Gson().fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), JsonObject.class);
                JsonObject info = new Gson().fromJson(answer.get("info").getAsString(), JsonObject.class);
                assertThat(info.get("is_using_inpainting_conditioning").getAsBoolean())
                        .isTrue();
            }
        }
    }
}
