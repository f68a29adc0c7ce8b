package dev.torchsd.server;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.runtime.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * AUTOMATIC1111's answer to txt2img and img2img: {@code images} (base64 PNGs with their infotext),
 * {@code parameters} (the request with its defaults) and {@code info}, a JSON string with the seeds
 * and infotexts of every image.
 */
final class SdResponse {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private SdResponse() {}

    static JsonObject of(Job job, List<Job.Batch> batches, Optional<Path> outputDir, Gson gson) {
        SdRequest spec = job.spec;
        JsonArray images = new JsonArray();
        JsonArray seeds = new JsonArray();
        JsonArray prompts = new JsonArray();
        JsonArray negatives = new JsonArray();
        JsonArray infotexts = new JsonArray();
        List<String> warnings = new ArrayList<>();
        for (Job.Batch batch : batches) {
            GenerationResult result = batch.asResult();
            for (int i = 0; i < batch.images().size(); i++) {
                if (spec.sendImages()) {
                    images.add(base64Png(result, i));
                }
                seeds.add(batch.request().seed());
                prompts.add(batch.request().prompt());
                negatives.add(batch.request().negativePrompt());
                infotexts.add(result.infotext());
            }
            warnings.addAll(batch.warnings());
            if (spec.saveImages()) {
                save(job, result, outputDir, warnings);
            }
        }
        GenerationRequest r =
                batches.isEmpty() ? spec.request() : batches.get(0).request();
        JsonObject info = new JsonObject();
        info.addProperty("prompt", r.prompt());
        info.add("all_prompts", prompts);
        info.addProperty("negative_prompt", r.negativePrompt());
        info.add("all_negative_prompts", negatives);
        info.addProperty("seed", spec.request().seed());
        info.add("all_seeds", seeds);
        info.addProperty("subseed", -1);
        info.add("all_subseeds", seeds.deepCopy());
        info.addProperty("subseed_strength", 0);
        info.addProperty("width", r.width().getAsInt());
        info.addProperty("height", r.height().getAsInt());
        info.addProperty(
                "sampler_name",
                batches.isEmpty() ? r.scheduler().orElse(null) : batches.get(0).sampler());
        info.addProperty("cfg_scale", r.guidanceScale());
        info.addProperty("steps", r.steps());
        info.addProperty("batch_size", r.batchSize());
        info.addProperty("restore_faces", false);
        info.add("face_restoration_model", null);
        info.addProperty("sd_model_name", spec.model());
        info.add("sd_model_hash", null);
        info.add("sd_vae_name", null);
        info.add("sd_vae_hash", null);
        info.addProperty("seed_resize_from_w", -1);
        info.addProperty("seed_resize_from_h", -1);
        info.add("denoising_strength", denoisingStrength(r));
        info.add("extra_generation_params", new JsonObject());
        info.addProperty("index_of_first_image", 0);
        info.add("infotexts", infotexts);
        info.add("styles", new JsonArray());
        info.addProperty(
                "job_timestamp",
                LocalDateTime.now(java.time.ZoneId.systemDefault()).format(TIMESTAMP));
        info.addProperty("clip_skip", r.clipSkip());
        info.addProperty(
                "is_using_inpainting_conditioning",
                spec.inpaintingModel()); // such a model runs only with an image and a mask
        info.addProperty("version", Version.withName());
        info.addProperty("interrupted", job.interrupted());
        info.addProperty("torchsd_job", job.id);
        JsonArray warningList = new JsonArray();
        warnings.forEach(warningList::add);
        info.add("warnings", warningList);
        JsonObject response = new JsonObject();
        response.add("images", images);
        response.add("parameters", spec.parameters());
        response.addProperty("info", gson.toJson(info));
        job.trace().ifPresent(t -> response.add("torchsd_trace", t.toJson()));
        return response;
    }

    /** The strength of img2img or of the hires fix's second pass (AUTOMATIC1111 reports either here); null for neither. */
    private static JsonElement denoisingStrength(GenerationRequest r) {
        if (r.image().isPresent()) {
            return new JsonPrimitive(r.image().get().strengthOrDefault());
        }
        return r.hiresFix()
                .<JsonElement>map(f -> new JsonPrimitive(f.strength()))
                .orElse(JsonNull.INSTANCE);
    }

    static String base64Png(GenerationResult result, int index) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            result.writePng(index, png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(png.toByteArray());
    }

    /** Writes a batch into the output folder as {@code txt2img-JOB-SEED.png} or {@code img2img-...} (batches: -1, -2, ...). */
    private static void save(Job job, GenerationResult result, Optional<Path> outputDir, List<String> warnings) {
        if (outputDir.isEmpty()) {
            warnings.add(
                    "save_images: this server has no output folder (torchsd serve --output-dir DIR); nothing saved");
            return;
        }
        String name =
                job.spec.kind().label() + "-" + job.id + "-" + result.request().seed() + ".png";
        result.saveAll(outputDir.get().resolve(name));
    }
}
