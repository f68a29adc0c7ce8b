package dev.torchsd.server;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.torchsd.Embedding;
import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationCancelledException;
import dev.torchsd.pipeline.LoraWeight;
import io.javalin.http.Context;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/** The handlers of AUTOMATIC1111's {@code /sdapi/v1/} routes. */
final class SdApi {
    /** Status of a request whose client closed the connection (nginx's convention; nobody reads it). */
    static final int CLIENT_GONE = 499;

    private final ServerSettings settings;
    private final ServedModels models;
    private final Options options;
    private final GenerationQueue queue;
    private final Gson gson;

    SdApi(ServerSettings settings, ServedModels models, GenerationQueue queue, Gson gson) {
        this.settings = settings;
        this.models = models;
        this.options = new Options(models);
        this.queue = queue;
        this.gson = gson;
    }

    void txt2img(Context ctx) {
        generate(ctx, SdRequest.Kind.TXT2IMG);
    }

    void img2img(Context ctx) {
        generate(ctx, SdRequest.Kind.IMG2IMG);
    }

    private void generate(Context ctx, SdRequest.Kind kind) {
        SdRequest spec = SdRequest.parse(JsonBody.parse(ctx.body()), kind, models, options, settings.limits());
        StableDiffusion sd = models.get(spec.model(), "override_settings." + Options.CHECKPOINT);
        Job job = queue.admit(spec);
        job.watch(ClientWatch.of(ctx));
        List<Job.Batch> batches;
        try {
            batches = queue.run(job, sd);
        } catch (GenerationCancelledException e) {
            if (job.cancelled()) {
                ctx.status(CLIENT_GONE);
                return;
            }
            throw new ApiException(503, "generation stopped before any image was made: " + e.getMessage());
        } catch (TorchsdException e) {
            throw FieldException.of(models.hidePaths(e.getMessage()));
        }
        json(ctx, SdResponse.of(job, batches, settings.outputDir(), gson));
    }

    void progress(Context ctx) {
        boolean skipImage = Boolean.parseBoolean(ctx.queryParam("skip_current_image"));
        Job job = queue.current();
        List<Job> jobs = queue.jobs();
        JsonObject state = new JsonObject();
        state.addProperty("skipped", job != null && job.skipped());
        state.addProperty("interrupted", job != null && job.interrupted());
        state.addProperty("stopping_generation", false);
        state.addProperty("job", job == null ? "" : job.spec.kind().label() + "-" + job.id);
        state.addProperty("job_count", job == null ? 0 : job.spec.iterations());
        state.addProperty("job_timestamp", job == null ? "0" : Long.toString(job.queuedAt));
        state.addProperty("job_no", job == null ? 0 : job.batchIndex());
        state.addProperty("sampling_step", job == null ? 0 : job.step());
        state.addProperty("sampling_steps", job == null ? 0 : job.totalSteps());
        JsonObject p = new JsonObject();
        double progress = 0;
        double eta = 0;
        if (job != null) {
            int count = job.spec.iterations();
            progress = Math.min(1, 0.01 + (job.batchIndex() + job.step() / (double) job.totalSteps()) / count);
            double elapsed = (System.currentTimeMillis() - job.startedAt()) / 1000.0;
            eta = elapsed / progress - elapsed;
        }
        p.addProperty("progress", progress);
        p.addProperty("eta_relative", eta);
        p.add("state", state);
        BufferedImage preview = job == null || skipImage ? null : job.preview();
        if (job != null && !skipImage) {
            job.wantPreview();
        }
        p.add("current_image", preview == null ? JsonNull.INSTANCE : gson.toJsonTree(base64Png(preview)));
        p.add(
                "textinfo",
                job == null
                        ? JsonNull.INSTANCE
                        : gson.toJsonTree("step " + job.step() + " of "
                                + job.totalSteps() + ", batch " + (job.batchIndex() + 1) + " of "
                                + job.spec.iterations()
                                + ", " + (jobs.size() - 1) + " more in line"));
        JsonObject line = new JsonObject();
        line.addProperty("running", jobs.stream().filter(Job::running).count());
        line.addProperty("waiting", jobs.stream().filter(j -> !j.running()).count());
        p.add("queue", line);
        json(ctx, p);
    }

    void interrupt(Context ctx) {
        queue.interrupt();
        json(ctx, new JsonObject());
    }

    void skip(Context ctx) {
        queue.skip();
        json(ctx, new JsonObject());
    }

    void getOptions(Context ctx) {
        json(ctx, options.get());
    }

    void setOptions(Context ctx) {
        options.set(JsonBody.parse(ctx.body()));
        json(ctx, JsonNull.INSTANCE);
    }

    void sdModels(Context ctx) {
        JsonArray list = new JsonArray();
        for (String title : models.titles()) {
            StableDiffusion sd = models.get(title, "title");
            JsonObject m = new JsonObject();
            m.addProperty("title", title);
            m.addProperty("model_name", title);
            m.add("hash", JsonNull.INSTANCE);
            m.add("sha256", JsonNull.INSTANCE);
            m.addProperty("filename", sd.info().folder().getFileName().toString());
            m.add("config", JsonNull.INSTANCE);
            list.add(m);
        }
        json(ctx, list);
    }

    void samplers(Context ctx) {
        JsonArray list = new JsonArray();
        // AUTOMATIC1111's names first (what its clients show), then diffusers' class names
        StableDiffusion.samplers().stream()
                .filter(n -> !n.endsWith("Scheduler"))
                .forEach(n -> list.add(sampler(n)));
        StableDiffusion.samplers().stream().filter(n -> n.endsWith("Scheduler")).forEach(n -> list.add(sampler(n)));
        json(ctx, list);
    }

    private static JsonObject sampler(String name) {
        JsonObject s = new JsonObject();
        s.addProperty("name", name);
        s.add("aliases", new JsonArray());
        s.add("options", new JsonObject());
        return s;
    }

    void schedulers(Context ctx) {
        JsonArray list = new JsonArray();
        for (String name : SdRequest.SCHEDULERS) {
            JsonObject s = new JsonObject();
            s.addProperty("name", name);
            s.addProperty("label", Character.toUpperCase(name.charAt(0)) + name.substring(1));
            s.add("aliases", JsonNull.INSTANCE);
            s.addProperty("default_rho", -1);
            s.addProperty("need_inner_model", false);
            list.add(s);
        }
        json(ctx, list);
    }

    /** "None" first (SillyTavern expects it), then the image upscalers hires fix has; both upscale with Lanczos. */
    void upscalers(Context ctx) {
        JsonArray list = new JsonArray();
        for (String name : HiresFields.IMAGE_UPSCALERS) {
            JsonObject upscaler = new JsonObject();
            upscaler.addProperty("name", name);
            upscaler.add("model_name", JsonNull.INSTANCE);
            upscaler.add("model_path", JsonNull.INSTANCE);
            upscaler.add("model_url", JsonNull.INSTANCE);
            upscaler.addProperty("scale", 4);
            list.add(upscaler);
        }
        json(ctx, list);
    }

    void latentUpscaleModes(Context ctx) {
        JsonArray list = new JsonArray();
        for (String name : HiresFields.LATENT_MODES) {
            JsonObject mode = new JsonObject();
            mode.addProperty("name", name);
            list.add(mode);
        }
        json(ctx, list);
    }

    /** VAEs: torchsd has none apart from the model's own. */
    void sdVae(Context ctx) {
        json(ctx, new JsonArray());
    }

    /**
     * The LoRA folder's files in AUTOMATIC1111's shape {@code [{name, alias, path, metadata}]}, except
     * that {@code path} is relative to the folder (AUTOMATIC1111 gives the server's absolute path).
     */
    void loras(Context ctx) {
        JsonArray list = new JsonArray();
        Path folder = models.loraFolder().orElse(null);
        for (Path file : models.loraFiles()) {
            String name = LoraWeight.of(file, 1).name();
            JsonObject lora = new JsonObject();
            lora.addProperty("name", name);
            lora.addProperty("alias", name);
            lora.addProperty("path", folder.relativize(file).toString().replace(File.separatorChar, '/'));
            lora.add("metadata", new JsonObject());
            list.add(lora);
        }
        json(ctx, list);
    }

    /** The list is read from the folder on each call: nothing to refresh (AUTOMATIC1111 answers null too). */
    void refreshLoras(Context ctx) {
        json(ctx, JsonNull.INSTANCE);
    }

    void embeddings(Context ctx) {
        JsonObject loaded = new JsonObject();
        for (Embedding e : models.embeddings()) {
            JsonObject item = new JsonObject();
            item.add("step", JsonNull.INSTANCE);
            item.add("sd_checkpoint", JsonNull.INSTANCE);
            item.add("sd_checkpoint_name", JsonNull.INSTANCE);
            item.addProperty(
                    "shape", models.get(models.current(), "title").info().hiddenSize());
            item.addProperty("vectors", e.tokens().size());
            loaded.add(e.token(), item);
        }
        JsonObject response = new JsonObject();
        response.add("loaded", loaded);
        response.add("skipped", new JsonObject());
        json(ctx, response);
    }

    void pngInfo(Context ctx) {
        json(ctx, PngInfo.of(JsonBody.parse(ctx.body())));
    }

    void stats(Context ctx) {
        json(ctx, queue.stats());
    }

    private void json(Context ctx, JsonElement body) {
        ctx.contentType("application/json").result(gson.toJson(body));
    }

    static String base64Png(BufferedImage image) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(png.toByteArray());
    }
}
