package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a server refuses and how: bad fields (422 naming them), big bodies (413), a full queue (503
 * with Retry-After), missing credentials (401); interrupt and skip as AUTOMATIC1111; a client that
 * goes away has its job cancelled. After each, the server keeps serving.
 */
class ServerSafetyTest {
    /** Long enough to be caught running: many steps, several batches (the built-in model makes ~100 steps/s). */
    static final String LONG = "{\"prompt\": \"a large blue circle\", \"steps\": 150, \"n_iter\": 16, \"seed\": 3}";

    static TorchsdServer server;
    static ApiClient client;

    @BeforeAll
    static void start() {
        server = TorchsdServer.start(ServerSettings.defaults()
                .withPort(0)
                .withQueueLength(1)
                .withMaxBodyBytes(1 << 20)
                .withLimits(new Limits(256 * 256, 150, 4, 16)));
        client = new ApiClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void badFieldsAreRefusedByName() {
        assertRefused("{\"prompt\": \"x\", \"steps\": \"many\"}", "steps", "steps must be a number");
        assertRefused("{\"prompt\": \"x\", \"steps\": 2.5}", "steps", "steps must be an integer");
        assertRefused("{\"prompt\": \"x\", \"width\": 100}", "width", "multiple of 8");
        assertRefused("{\"prompt\": \"x\", \"width\": 4096, \"height\": 4096}", "width", "1024");
        assertRefused("{\"prompt\": \"x\", \"width\": 512, \"height\": 512}", "width", "at most 65536");
        assertRefused("{\"prompt\": \"x\", \"steps\": 1000}", "steps", "at most 150");
        assertRefused("{\"prompt\": \"x\", \"batch_size\": 5}", "batch_size", "at most 4");
        assertRefused("{\"prompt\": \"x\", \"n_iter\": 0}", "n_iter", "at least 1");
        assertRefused("{\"prompt\": \"x\", \"cfg_scale\": -1}", "cfg_scale", "guidance scale");
        assertRefused("{\"prompt\": \"x\", \"seed\": -5}", "seed", "-1 (random)");
        assertRefused("{\"prompt\": \"x\", \"sampler_name\": \"DPM++ 9M\"}", "sampler_name", "unknown scheduler");
        assertRefused("{\"prompt\": \"x\", \"scheduler\": \"beta\"}", "scheduler", "automatic, uniform, karras");
        assertRefused("{\"prompt\": \"(x\"}", "prompt", "position");
        assertRefused("{\"prompt\": \"x\", \"enable_hr\": true, \"batch_size\": 2}", "enable_hr", "batch size 1");
        assertRefused(
                "{\"prompt\": \"x\", \"override_settings\": {\"sd_model_checkpoint\": \"../../etc/passwd\"}}",
                "override_settings.sd_model_checkpoint",
                "no model '../../etc/passwd' is served");
        assertRefused(
                "{\"prompt\": \"x\", \"override_settings\": {\"CLIP_stop_at_last_layers\": 99}}",
                "override_settings.CLIP_stop_at_last_layers",
                "clip skip");
        assertRefused("{\"prompt\": ", "body", "not valid JSON");
        assertRefused("[1, 2]", "body", "must be a JSON object");
        ApiClient.Reply options = client.post("/sdapi/v1/options", "{\"sd_model_checkpoint\": \"nope\"}");
        assertThat(options.status()).isEqualTo(422);
        assertThat(options.field()).isEqualTo("sd_model_checkpoint");
        assertServes();
    }

    @Test
    void hugeBodiesAreRefusedWith413() {
        byte[] junk = new byte[3 << 20];
        String image = Base64.getEncoder().encodeToString(junk);
        ApiClient.Reply big = client.post("/sdapi/v1/png-info", "{\"image\": \"" + image + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.object().get("error").getAsString()).isEqualTo("HTTPException");
        assertThat(big.body()).doesNotContain("at io.javalin", "Exception:");
        ApiClient.Reply notPng = client.post("/sdapi/v1/png-info", "{\"image\": \"aGVsbG8=\"}");
        assertThat(notPng.status()).isEqualTo(422);
        assertThat(notPng.field()).isEqualTo("image");
        assertServes();
    }

    @Test
    void unknownRoutesAnswerInTheErrorShape() {
        ApiClient.Reply r = client.get("/sdapi/v1/nothing");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.object().has("detail")).isTrue();
        ApiClient.Reply img2img = client.post("/sdapi/v1/img2img", "{\"init_images\": []}");
        assertThat(img2img.status()).isEqualTo(422);
        assertThat(img2img.field()).isEqualTo("init_images");
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndInterruptKeepsThePartialImage() throws Exception {
        CompletableFuture<ApiClient.Reply> running =
                CompletableFuture.supplyAsync(() -> client.post("/sdapi/v1/txt2img", LONG));
        JsonObject progress =
                waitFor(p -> p.getAsJsonObject("state").get("sampling_step").getAsInt() >= 2);
        assertThat(progress.getAsJsonObject("state").get("job_count").getAsInt())
                .isEqualTo(16);
        assertThat(progress.get("progress").getAsDouble()).isBetween(0.0, 1.0);
        CompletableFuture<ApiClient.Reply> waiting = CompletableFuture.supplyAsync(
                () -> client.post("/sdapi/v1/txt2img", "{\"prompt\": \"a red square\", \"steps\": 3, \"seed\": 5}"));
        waitFor(p -> p.getAsJsonObject("queue").get("waiting").getAsInt() == 1);
        var line = stats().getAsJsonArray("jobs");
        assertThat(line).hasSize(2);
        assertThat(line.get(0).getAsJsonObject().get("running").getAsBoolean()).isTrue();
        assertThat(line.get(0).getAsJsonObject().get("n_iter").getAsInt()).isEqualTo(16);
        assertThat(line.get(1).getAsJsonObject().get("running").getAsBoolean()).isFalse();
        ApiClient.Reply full = client.post("/sdapi/v1/txt2img", "{\"prompt\": \"one too many\", \"steps\": 3}");
        assertThat(full.status()).isEqualTo(503);
        assertThat(Integer.parseInt(full.header("Retry-After"))).isPositive();
        assertThat(full.object().get("detail").getAsString()).contains("queue is full");

        waitFor(p -> !p.get("current_image").isJsonNull()); // a preview of the running job
        assertThat(client.post("/sdapi/v1/interrupt", "").status()).isEqualTo(200);
        ApiClient.Reply interrupted = running.get(60, TimeUnit.SECONDS);
        assertThat(interrupted.status()).as(interrupted.body()).isEqualTo(200);
        JsonObject info = ApiClient.json(interrupted.object().get("info").getAsString());
        assertThat(info.get("interrupted").getAsBoolean()).isTrue();
        int images = interrupted.object().getAsJsonArray("images").size();
        assertThat(images).isBetween(1, 15); // the batches done and the partial one; not all 16
        assertThat(info.getAsJsonArray("all_seeds").get(images - 1).getAsLong()).isEqualTo(3 + images - 1);
        assertThat(waiting.get(60, TimeUnit.SECONDS).status()).isEqualTo(200); // the next in line ran
    }

    @Test
    void skipEndsTheCurrentBatchAndGoesOn() throws Exception {
        CompletableFuture<ApiClient.Reply> running = CompletableFuture.supplyAsync(() -> client.post(
                "/sdapi/v1/txt2img",
                "{\"prompt\": \"a green triangle\", \"steps\": 150, \"n_iter\": 2, \"seed\": 11}"));
        waitFor(p -> p.getAsJsonObject("state").get("sampling_step").getAsInt() >= 2
                && p.getAsJsonObject("state").get("job_no").getAsInt() == 0);
        client.post("/sdapi/v1/skip", "");
        ApiClient.Reply r = running.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        JsonObject info = ApiClient.json(r.object().get("info").getAsString());
        assertThat(info.getAsJsonArray("all_seeds")).hasSize(2); // the skipped (partial) batch and the next, whole
        assertThat(info.get("interrupted").getAsBoolean()).isFalse();
    }

    @Test
    void aClientThatGoesAwayHasItsJobCancelled() throws Exception {
        long cancelledBefore = stats().get("cancelled").getAsLong();
        byte[] body = LONG.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(java.net.InetAddress.getLoopbackAddress(), server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            waitFor(p -> p.getAsJsonObject("state").get("sampling_step").getAsInt() >= 1);
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (stats().get("cancelled").getAsLong() == cancelledBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        JsonObject stats = stats();
        assertThat(stats.get("cancelled").getAsLong()).isEqualTo(cancelledBefore + 1);
        assertThat(stats.get("running").getAsLong()).isZero();
        assertServes();
    }

    @Test
    void credentialsAreRequiredWhenConfigured() {
        try (TorchsdServer locked =
                TorchsdServer.start(ServerSettings.defaults().withPort(0).withAuth("ann:secret"))) {
            ApiClient.Reply none = new ApiClient(locked.port()).get("/sdapi/v1/options");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.header("WWW-Authenticate")).startsWith("Basic");
            assertThat(none.object().get("detail").getAsString()).isEqualTo("Incorrect username or password");
            assertThat(new ApiClient(locked.port(), "ann:wrong")
                            .get("/sdapi/v1/options")
                            .status())
                    .isEqualTo(401);
            assertThat(new ApiClient(locked.port(), "ann:secret")
                            .get("/sdapi/v1/options")
                            .status())
                    .isEqualTo(200);
            assertThat(new ApiClient(locked.port()).get("/").status()).isEqualTo(401);
        }
    }

    @Test
    void savesOnlyIntoTheOutputFolderUnderItsOwnNames(@TempDir Path out) throws Exception {
        try (TorchsdServer saving =
                TorchsdServer.start(ServerSettings.defaults().withPort(0).withOutputDir(out))) {
            ApiClient.Reply r = new ApiClient(saving.port())
                    .post(
                            "/sdapi/v1/txt2img",
                            "{\"prompt\": \"../../x\", \"seed\": 77, \"steps\": 2, \"batch_size\": 2, \"save_images\": true}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            long job = ApiClient.json(r.object().get("info").getAsString())
                    .get("torchsd_job")
                    .getAsLong();
            try (Stream<Path> files = Files.list(out)) {
                assertThat(files.map(f -> f.getFileName().toString()).sorted())
                        .containsExactly("txt2img-" + job + "-77-1.png", "txt2img-" + job + "-77-2.png");
            }
        }
        ApiClient.Reply unsaved =
                client.post("/sdapi/v1/txt2img", "{\"prompt\": \"x\", \"steps\": 2, \"save_images\": true}");
        assertThat(ApiClient.json(unsaved.object().get("info").getAsString())
                        .getAsJsonArray("warnings")
                        .toString())
                .contains("no output folder");
    }

    @Test
    void otherAddressesNeedAuthOrInsecure() {
        ServerSettings open = new ServerSettings(
                "0.0.0.0",
                0,
                java.util.List.of(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                false,
                java.util.List.of(),
                1,
                1,
                Limits.DEFAULT,
                ServerSettings.DEFAULT_MAX_BODY);
        assertThatThrownBy(() -> TorchsdServer.start(open))
                .hasMessageContaining("--api-auth")
                .hasMessageContaining("--insecure");
    }

    @Test
    void thePageIsServedWithAStrictContentSecurityPolicy() {
        ApiClient.Reply page = client.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy"))
                .contains("default-src 'none'", "script-src 'self'")
                .doesNotContain("unsafe-inline");
        assertThat(page.body()).contains("<script src=\"app.js\"").doesNotContain("<script>", "style=");
        assertThat(client.get("/app.js").header("Content-Type")).startsWith("text/javascript");
    }

    static void assertRefused(String body, String field, String message) {
        ApiClient.Reply r = client.post("/sdapi/v1/txt2img", body);
        assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(422);
        assertThat(r.field()).as(body + " -> " + r.body()).isEqualTo(field);
        assertThat(r.message()).contains(message);
    }

    static void assertServes() {
        ApiClient.Reply ok = client.post("/sdapi/v1/txt2img", "{\"prompt\": \"a white square\", \"steps\": 2}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.header("Connection")).isEqualTo("close"); // see ClientWatch
    }

    static JsonObject stats() {
        return client.get("/torchsd/v1/stats").object();
    }

    static JsonObject waitFor(Predicate<JsonObject> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            JsonObject p = client.get("/sdapi/v1/progress").object();
            if (condition.test(p)) {
                return p;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the server never reached the state waited for: "
                + client.get("/sdapi/v1/progress").body());
    }
}
