package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.torchsd.StableDiffusion;
import dev.torchsd.lora.KohyaModules;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GuidanceWindow;
import dev.torchsd.pipeline.HiresFix;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.pipeline.TokenMerging;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * img2img, inpainting, hires fix and LoRA tags through the HTTP API: each image is the PNG the
 * library writes for the same request, byte for byte (infotext included), and what torchsd cannot
 * do as AUTOMATIC1111 would is refused by field.
 */
class ImageRoutesTest {
    static final Path SCENE = Path.of("src/test/resources/fixtures/scenes/scene-43.png");
    static final String PROMPT = "a large blue circle on the left, white background";
    /** A "Negative Guidance minimum sigma" inside the range of the built-in model's Euler sigmas at 8 steps. */
    static final double NGMS = 3.0;

    @TempDir
    static Path loras;

    static TorchsdServer server;
    static ApiClient client;
    static StableDiffusion sd;
    static byte[] scene;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(loras.resolve("styles"));
        new KohyaModules(11)
                .linear(KohyaModules.TE_Q, KohyaModules.TE_Q_SIZE, KohyaModules.TE_Q_SIZE, 4)
                .linear(KohyaModules.UNET_Q, KohyaModules.UNET_Q_SIZE, KohyaModules.UNET_Q_SIZE, 4)
                .write(loras.resolve("styles/star.safetensors"));
        server = TorchsdServer.start(
                ServerSettings.defaults().withPort(0).withLoraDir(loras).withLimits(new Limits(128 * 128, 150, 4, 16)));
        client = new ApiClient(server.port());
        sd = StableDiffusion.builtin();
        scene = Files.readAllBytes(SCENE);
    }

    @AfterAll
    static void stop() {
        server.close();
        sd.close();
    }

    @Test
    void img2imgIsTheLibrarysImageToImage() {
        JsonObject body = body(PROMPT, 5);
        body.add("init_images", strings("data:image/png;base64," + base64(scene)));
        body.addProperty("denoising_strength", 0.6);
        body.addProperty("resize_mode", 1);
        ApiClient.Reply r = client.post("/sdapi/v1/img2img", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);

        ImageInput input = ImageInput.of(read(scene))
                .withStrength(0.6)
                .withResize(ImageInput.Resize.CROP)
                .withStepCount(ImageInput.StepCount.A1111);
        assertThat(firstImage(r)).isEqualTo(png(request(PROMPT, 5).image(input).build()));
        JsonObject info = ApiClient.json(r.object().get("info").getAsString());
        assertThat(info.get("denoising_strength").getAsDouble()).isEqualTo(0.6);
        assertThat(info.getAsJsonArray("infotexts").get(0).getAsString()).contains("Denoising strength: 0.6");
        assertThat(r.object().getAsJsonObject("parameters").get("init_images").isJsonNull())
                .as("init images are not sent back unless include_init_images")
                .isTrue();
    }

    @Test
    void inpaintingMapsAutomatic1111sMaskFields() {
        BufferedImage mask = rightHalf(64, 64);
        JsonObject body = body("a large green square on the right, white background", 2);
        body.add("init_images", strings(base64(scene)));
        body.addProperty("mask", base64(encode(mask)));
        body.addProperty("mask_blur", 2);
        body.addProperty("inpainting_fill", 1);
        body.addProperty("inpaint_full_res", false);
        body.addProperty("inpainting_mask_invert", 1);
        ApiClient.Reply r = client.post("/sdapi/v1/img2img", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);

        ImageInput input = ImageInput.of(read(scene))
                .withStrength(ImageFields.DEFAULT_STRENGTH)
                .withStepCount(ImageInput.StepCount.A1111)
                .withMask(mask)
                .withMaskBlur(2)
                .withInvertedMask(true)
                .withFill(ImageInput.Fill.ORIGINAL);
        byte[] expected = png(request("a large green square on the right, white background", 2)
                .image(input)
                .build());
        assertThat(firstImage(r)).isEqualTo(expected);
        assertThat(ApiClient.json(r.object().get("info").getAsString())
                        .get("is_using_inpainting_conditioning")
                        .getAsBoolean())
                .as("the built-in model inpaints without the mask as an input of its U-Net")
                .isFalse();
        // AUTOMATIC1111's defaults: fill, only masked, blur 4
        body.remove("mask_blur");
        body.remove("inpainting_fill");
        body.remove("inpaint_full_res");
        body.addProperty("inpaint_full_res_padding", 8);
        ApiClient.Reply defaults = client.post("/sdapi/v1/img2img", body);
        assertThat(defaults.status()).as(defaults.body()).isEqualTo(200);
        ImageInput a1111 = input.withMaskBlur(ImageFields.DEFAULT_MASK_BLUR)
                .withFill(ImageInput.Fill.FILL)
                .withInpaintArea(ImageInput.InpaintArea.MASKED, 8);
        assertThat(firstImage(defaults))
                .isEqualTo(png(request("a large green square on the right, white background", 2)
                        .image(a1111)
                        .build()));
    }

    @Test
    void badImagesAreRefusedByField() {
        assertRefused(img2img("!!!not base64"), "init_images.0", "not valid base64");
        assertRefused(
                img2img(base64("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                "init_images.0",
                "not an image");
        assertRefused(
                img2img(base64(encode(new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB)))),
                "init_images.0",
                "300x300 = 90000 pixels; this server reads images of at most 65536");
        assertRefused(img2img("https://example.org/cat.png"), "init_images.0", "fetches nothing");
        JsonObject wrongMask = img2img(base64(scene));
        wrongMask.addProperty("mask", base64(encode(rightHalf(32, 32))));
        assertRefused(wrongMask, "mask", "the mask is 32x32, init_images.0 is 64x64");
        JsonObject two = body(PROMPT, 1);
        two.add("init_images", strings(base64(scene), base64(scene)));
        assertRefused(two, "init_images", "one image");
        JsonObject fill = img2img(base64(scene));
        fill.addProperty("resize_mode", 2);
        assertRefused(fill, "resize_mode", "resize and fill");
        JsonObject blur = img2img(base64(scene));
        blur.addProperty("mask", base64(encode(rightHalf(64, 64))));
        blur.addProperty("mask_blur_x", 4);
        blur.addProperty("mask_blur_y", 8);
        assertRefused(blur, "mask_blur_y", "one radius");
        JsonObject strength = img2img(base64(scene));
        strength.addProperty("denoising_strength", 1.5);
        assertRefused(strength, "denoising_strength", "strength must be in 0..1");
        assertRefused(body(PROMPT, 1), "init_images", "required");
        assertThat(client.post("/sdapi/v1/img2img", img2img(base64(scene))).status())
                .as("the server keeps serving")
                .isEqualTo(200);
    }

    @Test
    void sMinUncondIsTheGuidanceWindow() {
        JsonObject body = body(PROMPT, 7);
        body.addProperty("s_min_uncond", NGMS);
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        byte[] expected = png(request(PROMPT, 7)
                .guidanceWindow(GuidanceWindow.minSigma(NGMS, false))
                .build());
        assertThat(firstImage(r)).isEqualTo(expected);
        assertThat(expected).isNotEqualTo(png(request(PROMPT, 7).build()));
        assertThat(firstInfotext(r)).contains("NGMS: 3, ").doesNotContain("NGMS all steps");

        JsonObject all = body.deepCopy();
        JsonObject overrides = new JsonObject();
        overrides.addProperty("s_min_uncond_all", true);
        all.add("override_settings", overrides);
        ApiClient.Reply everyStep = client.post("/sdapi/v1/txt2img", all);
        assertThat(everyStep.status()).as(everyStep.body()).isEqualTo(200);
        byte[] expectedAll = png(request(PROMPT, 7)
                .guidanceWindow(GuidanceWindow.minSigma(NGMS, true))
                .build());
        assertThat(firstImage(everyStep)).isEqualTo(expectedAll).isNotEqualTo(expected);

        JsonObject img2img = img2img(base64(scene));
        img2img.addProperty("s_min_uncond", NGMS);
        ApiClient.Reply fromImage = client.post("/sdapi/v1/img2img", img2img);
        assertThat(fromImage.status()).as(fromImage.body()).isEqualTo(200);
        assertThat(firstImage(fromImage))
                .isEqualTo(png(sceneRequest()
                        .guidanceWindow(GuidanceWindow.minSigma(NGMS, false))
                        .build()));

        JsonObject defaults = new JsonObject(); // the options' value is the default of the field
        defaults.addProperty("s_min_uncond", NGMS);
        assertThat(client.post("/sdapi/v1/options", defaults).status()).isEqualTo(200);
        try {
            assertThat(firstImage(client.post("/sdapi/v1/txt2img", body(PROMPT, 7))))
                    .isEqualTo(expected);
        } finally {
            defaults.addProperty("s_min_uncond", 0);
            assertThat(client.post("/sdapi/v1/options", defaults).status()).isEqualTo(200);
        }
        defaults.addProperty("s_min_uncond", -2);
        assertRefused("/sdapi/v1/options", defaults, "s_min_uncond", "must be >= 0");

        JsonObject negative = body(PROMPT, 7);
        negative.addProperty("s_min_uncond", -1);
        assertRefused("/sdapi/v1/txt2img", negative, "s_min_uncond", "must be >= 0");
        negative.addProperty("s_min_uncond", "high");
        assertRefused("/sdapi/v1/img2img", negative, "s_min_uncond", "must be a number");
        all.getAsJsonObject("override_settings").addProperty("s_min_uncond_all", "yes");
        assertRefused("/sdapi/v1/txt2img", all, "override_settings.s_min_uncond_all", "true or false");
    }

    @Test
    void enableHrIsTheLibrarysHiresFix() {
        JsonObject body = body(PROMPT, 4);
        body.addProperty("enable_hr", true);
        body.addProperty("hr_scale", 2);
        body.addProperty("hr_upscaler", "Lanczos");
        body.addProperty("denoising_strength", 0.5);
        body.addProperty("hr_sampler_name", "Use same sampler");
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        byte[] expected = png(request(PROMPT, 4)
                .hiresFix(new HiresFix(2, 0.5, 0, HiresFix.Upscaler.LANCZOS))
                .build());
        assertThat(firstImage(r)).isEqualTo(expected);
        assertThat(read(firstImage(r)).getWidth()).isEqualTo(128);
        body.remove("hr_scale");
        body.addProperty("hr_resize_x", 128);
        ApiClient.Reply bySize = client.post("/sdapi/v1/txt2img", body);
        assertThat(firstImage(bySize)).as(bySize.body()).isEqualTo(expected);

        body.addProperty("hr_sampler_name", "DDIM");
        assertRefused("/sdapi/v1/txt2img", body, "hr_sampler_name", "second pass uses the first's");
        body.remove("hr_sampler_name");
        body.addProperty("hr_upscaler", "R-ESRGAN 4x+");
        assertRefused("/sdapi/v1/txt2img", body, "hr_upscaler", "Latent, Latent (nearest), None, Lanczos");
        body.addProperty("hr_upscaler", "Latent");
        body.addProperty("hr_resize_x", 256);
        assertRefused("/sdapi/v1/txt2img", body, "hr_scale", "at most 16384");
        assertThat(ClientReplayTest.names(
                        client.get("/sdapi/v1/latent-upscale-modes").json().getAsJsonArray(), "name"))
                .containsExactlyElementsOf(HiresFields.LATENT_MODES);
    }

    @Test
    void tokenMergingRatiosAreAutomatic1111sSettings() {
        JsonObject body = body(PROMPT, 7);
        body.add("override_settings", settings("token_merging_ratio", 0.5));
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        byte[] expected =
                png(request(PROMPT, 7).tokenMerging(TokenMerging.of(0.5)).build());
        assertThat(firstImage(r))
                .isEqualTo(expected)
                .isNotEqualTo(png(request(PROMPT, 7).build()));
        assertThat(firstInfotext(r)).contains("Token merging ratio: 0.5, ");

        JsonObject img2img = img2img(base64(scene)); // img2img's own ratio where it is not 0
        JsonObject both = settings("token_merging_ratio", 0.5);
        both.addProperty("token_merging_ratio_img2img", 0.3);
        img2img.add("override_settings", both);
        ApiClient.Reply fromImage = client.post("/sdapi/v1/img2img", img2img);
        assertThat(fromImage.status()).as(fromImage.body()).isEqualTo(200);
        assertThat(firstImage(fromImage))
                .isEqualTo(png(sceneRequest().tokenMerging(TokenMerging.of(0.3)).build()));

        JsonObject hires = body(PROMPT, 4);
        hires.addProperty("enable_hr", true);
        hires.addProperty("hr_upscaler", "Lanczos");
        hires.addProperty("denoising_strength", 0.5);
        hires.add("override_settings", settings("token_merging_ratio_hr", 0.3));
        ApiClient.Reply second = client.post("/sdapi/v1/txt2img", hires);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(firstImage(second))
                .isEqualTo(png(request(PROMPT, 4)
                        .hiresFix(new HiresFix(2, 0.5, 0, HiresFix.Upscaler.LANCZOS, 0.3))
                        .build()));

        // the options' value is the default of the setting
        assertThat(client.post("/sdapi/v1/options", settings("token_merging_ratio", 0.5))
                        .status())
                .isEqualTo(200);
        try {
            assertThat(firstImage(client.post("/sdapi/v1/txt2img", body(PROMPT, 7))))
                    .isEqualTo(expected);
        } finally {
            assertThat(client.post("/sdapi/v1/options", settings("token_merging_ratio", 0))
                            .status())
                    .isEqualTo(200);
        }
        assertRefused(
                "/sdapi/v1/options", settings("token_merging_ratio_hr", -0.5), "token_merging_ratio_hr", "[0, 1)");
        body.add("override_settings", settings("token_merging_ratio", 1));
        assertRefused("/sdapi/v1/txt2img", body, "override_settings.token_merging_ratio", "must be in [0, 1)");
    }

    private static JsonObject settings(String key, double value) {
        JsonObject settings = new JsonObject();
        settings.addProperty(key, value);
        return settings;
    }

    @Test
    void loraTagsAreLookedUpInTheServersFolderOnly() {
        JsonArray list = client.get("/sdapi/v1/loras").json().getAsJsonArray();
        assertThat(list).hasSize(1);
        JsonObject star = list.get(0).getAsJsonObject();
        assertThat(star.get("name").getAsString()).isEqualTo("star");
        assertThat(star.get("alias").getAsString()).isEqualTo("star");
        assertThat(star.get("path").getAsString()).isEqualTo("styles/star.safetensors");
        assertThat(list.toString()).doesNotContain(loras.toString());

        String prompt = "<lora:star:0.8>" + PROMPT;
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", body(prompt, 3));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(firstImage(r))
                .isEqualTo(png(request(prompt, 3).loraFolder(loras).build()));
        assertThat(firstImage(r)).isNotEqualTo(firstImage(client.post("/sdapi/v1/txt2img", body(PROMPT, 3))));

        for (String name :
                new String[] {"../../etc/passwd", loras.resolve("styles/star").toString(), "nope"}) {
            ApiClient.Reply refused = client.post("/sdapi/v1/txt2img", body("<lora:" + name + ":1>" + PROMPT, 3));
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.field()).isEqualTo("prompt");
            assertThat(refused.message()).contains("no LoRA named", "[star]").doesNotContain(loras.toString() + "/");
        }
    }

    @Test
    void theTraceOnlyReads() {
        JsonObject body = body(PROMPT, 6);
        body.addProperty("negative_prompt", "red");
        body.addProperty("negative_start", 0.5);
        ApiClient.Reply plain = client.post("/sdapi/v1/txt2img", body);
        body.addProperty("trace", true);
        ApiClient.Reply traced = client.post("/sdapi/v1/txt2img", body);
        assertThat(firstImage(traced)).isEqualTo(firstImage(plain));
        assertThat(plain.object().has("torchsd_trace")).isFalse();
        JsonArray calls = traced.object().getAsJsonArray("torchsd_trace");
        assertThat(calls).hasSize(8); // Euler: one U-Net call per step
        JsonObject first = calls.get(0).getAsJsonObject();
        JsonObject last = calls.get(7).getAsJsonObject();
        assertThat(first.get("negative_active").getAsBoolean()).isFalse();
        assertThat(last.get("negative_active").getAsBoolean()).isTrue();
        assertThat(first.get("guidance").getAsDouble()).isPositive();
        assertThat(read(ApiClient.png(last.get("x0").getAsString())).getWidth()).isEqualTo(64);
    }

    // --- requests and images

    static JsonObject body(String prompt, long seed) {
        JsonObject body = new JsonObject();
        body.addProperty("prompt", prompt);
        body.addProperty("seed", seed);
        body.addProperty("steps", 8);
        body.addProperty("sampler_name", "Euler");
        return body;
    }

    static JsonObject img2img(String image) {
        JsonObject body = body(PROMPT, 1);
        body.add("init_images", strings(image));
        return body;
    }

    /** What the server builds from {@link #body}: AUTOMATIC1111's API defaults and prompt syntax. */
    static GenerationRequest.Builder request(String prompt, long seed) {
        return GenerationRequest.builder(prompt)
                .seed(seed)
                .steps(8)
                .guidanceScale(SdRequest.DEFAULT_CFG_SCALE)
                .scheduler("Euler")
                .promptSyntax(PromptSyntax.A1111);
    }

    /** What the server builds from {@code img2img(base64(scene))}. */
    static GenerationRequest.Builder sceneRequest() {
        return request(PROMPT, 1)
                .image(ImageInput.of(read(scene))
                        .withStrength(ImageFields.DEFAULT_STRENGTH)
                        .withStepCount(ImageInput.StepCount.A1111));
    }

    static String firstInfotext(ApiClient.Reply r) {
        return ApiClient.json(r.object().get("info").getAsString())
                .getAsJsonArray("infotexts")
                .get(0)
                .getAsString();
    }

    /** The PNG the library writes for {@code request}, infotext included. */
    static byte[] png(GenerationRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            sd.generate(request).writePng(0, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] firstImage(ApiClient.Reply r) {
        return ApiClient.png(r.object().getAsJsonArray("images").get(0).getAsString());
    }

    static JsonArray strings(String... values) {
        JsonArray a = new JsonArray();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static BufferedImage rightHalf(int w, int h) {
        BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = mask.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        return mask;
    }

    static byte[] encode(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static BufferedImage read(byte[] png) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertRefused(JsonObject body, String field, String message) {
        assertRefused("/sdapi/v1/img2img", body, field, message);
    }

    static void assertRefused(String route, JsonObject body, String field, String message) {
        ApiClient.Reply r = client.post(route, body);
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.field()).as(r.body()).isEqualTo(field);
        assertThat(r.message()).contains(message);
    }
}
