package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.torchsd.image.PngWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The request sequences Open WebUI (backend/open_webui/routers/images.py) and SillyTavern
 * (src/endpoints/stable-diffusion.js) send to AUTOMATIC1111, replayed with their JSON shapes, and
 * every field they read checked; and the images equal to the command line's.
 */
class ClientReplayTest {
    static TorchsdServer server;
    static ApiClient client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        server = TorchsdServer.start(ServerSettings.defaults().withPort(0));
        client = new ApiClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void openWebUi() {
        // get_image_model / set_image_model: read the options, post them back with the checkpoint set
        ApiClient.Reply options = client.get("/sdapi/v1/options");
        assertThat(options.status()).isEqualTo(200);
        JsonObject opts = options.object();
        String checkpoint = opts.get("sd_model_checkpoint").getAsString();
        // get_models: id = title, name = model_name
        JsonArray models = client.get("/sdapi/v1/sd-models").json().getAsJsonArray();
        assertThat(models).hasSize(1);
        JsonObject model = models.get(0).getAsJsonObject();
        assertThat(model.get("title").getAsString()).isEqualTo(checkpoint).isEqualTo("torchsd-shapes");
        assertThat(model.get("model_name").getAsString()).isEqualTo(checkpoint);
        opts.addProperty("sd_model_checkpoint", model.get("title").getAsString());
        assertThat(client.post("/sdapi/v1/options", opts).status()).isEqualTo(200);
        // image_generations: prompt, batch_size, width, height, steps, negative_prompt; reads images and info
        JsonObject data = new JsonObject();
        data.addProperty("prompt", "a large yellow triangle on the left, blue background");
        data.addProperty("batch_size", 2);
        data.addProperty("width", 64);
        data.addProperty("height", 64);
        data.addProperty("steps", 4);
        data.addProperty("negative_prompt", "red");
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", data);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray images = r.object().getAsJsonArray("images");
        assertThat(images).hasSize(2);
        for (JsonElement image : images) {
            BufferedImage decoded = ApiClient.image(image.getAsString());
            assertThat(decoded.getWidth()).isEqualTo(64);
            assertThat(decoded.getHeight()).isEqualTo(64);
        }
        JsonObject info = ApiClient.json(r.object().get("info").getAsString());
        assertThat(info.getAsJsonArray("all_seeds")).hasSize(2);
        assertThat(info.getAsJsonArray("infotexts")).hasSize(2);
        assertThat(info.getAsJsonArray("infotexts").get(0).getAsString())
                .startsWith("a large yellow triangle on the left, blue background\nNegative prompt: red\nSteps: 4,")
                .contains("CFG scale: 7,", "Size: 64x64", "Model: torchsd-shapes", "Batch size: 2");
        assertThat(info.get("sd_model_name").getAsString()).isEqualTo("torchsd-shapes");
        assertThat(r.object().getAsJsonObject("parameters").get("steps").getAsInt())
                .isEqualTo(4);
    }

    @Test
    void sillyTavern() {
        String auth = null;
        assertThat(client.get("/sdapi/v1/options").status()).isEqualTo(200); // ping
        List<String> upscalers = names(client.get("/sdapi/v1/upscalers").json().getAsJsonArray(), "name");
        assertThat(upscalers).first().isEqualTo("None");
        assertThat(client.get("/sdapi/v1/latent-upscale-modes").json().isJsonArray())
                .isTrue();
        assertThat(client.get("/sdapi/v1/sd-vae").json().isJsonArray()).isTrue();
        assertThat(names(client.get("/sdapi/v1/samplers").json().getAsJsonArray(), "name"))
                .contains("Euler a", "DPM++ 2M", "EulerDiscreteScheduler");
        assertThat(names(client.get("/sdapi/v1/schedulers").json().getAsJsonArray(), "name"))
                .contains("automatic", "karras");
        assertThat(names(client.get("/sdapi/v1/sd-models").json().getAsJsonArray(), "title"))
                .containsExactly("torchsd-shapes");
        assertThat(client.get("/sdapi/v1/options")
                        .object()
                        .get("sd_model_checkpoint")
                        .getAsString())
                .isEqualTo("torchsd-shapes"); // get-model
        // set-model: options with the checkpoint alone, then progress until idle
        assertThat(client.post("/sdapi/v1/options", "{\"sd_model_checkpoint\": \"torchsd-shapes\"}")
                        .status())
                .isEqualTo(200);
        JsonObject progress = client.get("/sdapi/v1/progress").object();
        assertThat(progress.get("progress").getAsDouble()).isEqualTo(0.0);
        assertThat(progress.getAsJsonObject("state").get("job_count").getAsInt())
                .isEqualTo(0);
        // generate: SillyTavern's body (its own url and auth fields included)
        String body = """
                {"url": "http://127.0.0.1:7860", "auth": %s,
                 "prompt": "a small red circle in the middle, white background", "negative_prompt": "blurry",
                 "sampler_name": "Euler a", "scheduler": "Karras", "steps": 5, "cfg_scale": 7, "width": 64, "height": 64,
                 "restore_faces": false, "enable_hr": false, "hr_upscaler": "Latent", "hr_scale": 2,
                 "hr_additional_modules": [], "denoising_strength": 0.7, "hr_second_pass_steps": 0, "seed": 1234,
                 "override_settings": {"CLIP_stop_at_last_layers": 2, "sd_vae": "Automatic", "forge_additional_modules": []},
                 "override_settings_restore_afterwards": true, "clip_skip": 2, "alwayson_scripts": {}}
                """.formatted(auth);
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray images = r.object().getAsJsonArray("images");
        assertThat(images).hasSize(1);
        assertThat(ApiClient.image(images.get(0).getAsString()).getWidth()).isEqualTo(64);
        JsonObject info = ApiClient.json(r.object().get("info").getAsString());
        assertThat(info.get("seed").getAsLong()).isEqualTo(1234);
        assertThat(info.get("clip_skip").getAsInt()).isEqualTo(2);
        assertThat(info.getAsJsonArray("infotexts").get(0).getAsString())
                .contains("Sampler: Euler a,", "Seed: 1234,", "Clip skip: 2", "Scheduler use_karras_sigmas: true");
        assertThat(r.object().getAsJsonObject("parameters").has("auth")).isFalse();
        assertThat(client.post("/sdapi/v1/interrupt", "").object().size()).isZero(); // cancel: nothing running
    }

    @Test
    void imagesEqualTheCommandLines() throws Exception {
        JsonObject data = new JsonObject();
        data.addProperty("prompt", "a large (yellow:1.2) triangle on the left, blue background");
        data.addProperty("negative_prompt", "green");
        data.addProperty("seed", 42);
        data.addProperty("steps", 6);
        data.addProperty("cfg_scale", 6.5);
        data.addProperty("sampler_name", "DPM++ 2M");
        data.addProperty("width", 64);
        data.addProperty("height", 96);
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", data);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        byte[] served = ApiClient.png(r.object().getAsJsonArray("images").get(0).getAsString());

        Path png = tmp.resolve("cli.png");
        StringWriter err = new StringWriter();
        CommandLine cli = dev.torchsd.cli.Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int code = cli.execute(
                "generate",
                "--prompt",
                "a large (yellow:1.2) triangle on the left, blue background",
                "--negative-prompt",
                "green",
                "--seed",
                "42",
                "--steps",
                "6",
                "--cfg-scale",
                "6.5",
                "--sampler",
                "DPM++ 2M",
                "-W",
                "64",
                "-H",
                "96",
                "--prompt-syntax",
                "a1111",
                "--quiet",
                "--out",
                png.toString());
        assertThat(code).as(err.toString()).isZero();
        BufferedImage fromCli = ImageIO.read(png.toFile());
        BufferedImage fromServer = ImageIO.read(new ByteArrayInputStream(served));
        assertThat(rgb(fromServer)).isEqualTo(rgb(fromCli));
        assertThat(PngWriter.readParameters(new ByteArrayInputStream(served))).isEqualTo(PngWriter.readParameters(png));
    }

    @Test
    void pngInfoReadsTheInfotextBack() {
        ApiClient.Reply r = client.post(
                "/sdapi/v1/txt2img",
                "{\"prompt\": \"a blue square, white background\", \"negative_prompt\": \"a, b\", \"seed\": 9, \"steps\": 3}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonObject request = new JsonObject();
        request.addProperty(
                "image",
                "data:image/png;base64,"
                        + r.object().getAsJsonArray("images").get(0).getAsString());
        JsonObject info = client.post("/sdapi/v1/png-info", request).object();
        assertThat(info.get("info").getAsString())
                .startsWith("a blue square, white background\nNegative prompt: a, b\n");
        JsonObject p = info.getAsJsonObject("parameters");
        assertThat(p.get("Prompt").getAsString()).isEqualTo("a blue square, white background");
        assertThat(p.get("Negative prompt").getAsString()).isEqualTo("a, b");
        assertThat(p.get("Steps").getAsString()).isEqualTo("3");
        assertThat(p.get("Seed").getAsString()).isEqualTo("9");
        assertThat(p.get("Size-1").getAsString()).isEqualTo("64");
        assertThat(p.get("Prompt syntax").getAsString()).isEqualTo("a1111");
    }

    static int[] rgb(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    static List<String> names(JsonArray list, String field) {
        List<String> names = new ArrayList<>();
        list.forEach(e -> names.add(e.getAsJsonObject().get(field).getAsString()));
        return names;
    }
}
