package dev.torchsd.pipeline;

import com.google.gson.JsonObject;
import dev.torchsd.scheduler.Schedulers;

/** The request fields every case of the Python reference loops reads (src/test/python/*_reference.py). */
final class ReferenceCases {
    private ReferenceCases() {}

    /** One case: its id, the sampler as diffusers names and configures it, and the request's values. */
    static JsonObject of(
            String id,
            String sampler,
            String prompt,
            String negativePrompt,
            long seed,
            int steps,
            double guidance,
            int width,
            int height,
            int batch,
            int clipSkip) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("scheduler", Schedulers.className(sampler));
        JsonObject config = new JsonObject();
        Schedulers.fixedValues(sampler).forEach(config::addProperty);
        o.add("config", config);
        o.addProperty("prompt", prompt);
        o.addProperty("negative_prompt", negativePrompt);
        o.addProperty("seed", seed);
        o.addProperty("steps", steps);
        o.addProperty("guidance_scale", guidance);
        o.addProperty("width", width);
        o.addProperty("height", height);
        o.addProperty("batch_size", batch);
        o.addProperty("clip_skip", clipSkip);
        return o;
    }
}
