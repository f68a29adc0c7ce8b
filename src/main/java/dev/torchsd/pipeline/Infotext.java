package dev.torchsd.pipeline;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.torchsd.image.PngWriter;
import dev.torchsd.runtime.Version;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * AUTOMATIC1111's "parameters" text, which its PNG Info tab and many tools read:
 * <pre>
 * prompt
 * Negative prompt: negative
 * Steps: 20, Sampler: PNDM, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: name, Version: torchsd 0.1.0
 * </pre>
 * Values holding a comma, colon or newline are quoted as JSON strings, as AUTOMATIC1111 does.
 */
public final class Infotext {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Infotext() {}

    /**
     * The infotext of a resolved request (its size present).
     *
     * @param r a request as {@code StableDiffusion.resolve} returns it
     * @param sampler the sampler's name to write, e.g. {@code "Euler a"}
     * @param modelName the model's name to write
     * @return the prompt, the negative prompt's line if there is one, and the line of settings
     * @throws java.util.NoSuchElementException if the request's width or height is unset
     */
    public static String format(GenerationRequest r, String sampler, String modelName) {
        StringBuilder text = new StringBuilder(r.prompt());
        if (!r.negativePrompt().isEmpty()) {
            text.append("\nNegative prompt: ").append(r.negativePrompt());
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("Steps", Integer.toString(r.steps()));
        fields.put("Sampler", sampler);
        fields.put("CFG scale", number(r.guidanceScale()));
        if (r.guidanceRescale() > 0) {
            fields.put("Guidance rescale", number(r.guidanceRescale()));
        }
        fields.put("Seed", Long.toString(r.seed()));
        fields.put("Size", r.width().getAsInt() + "x" + r.height().getAsInt());
        fields.put("Model", modelName);
        if (r.clipSkip() != 1) {
            fields.put("Clip skip", Integer.toString(r.clipSkip()));
        }
        int conventionalNegativeClipSkip = r.promptSyntax().a1111() ? r.clipSkip() : 1;
        if (r.negativeClipSkip().orElse(conventionalNegativeClipSkip) != conventionalNegativeClipSkip) {
            fields.put(
                    "Negative clip skip", Integer.toString(r.negativeClipSkip().getAsInt()));
        }
        if (!r.negativeWindow().equals(NegativeWindow.ALWAYS)) {
            fields.put("Negative start", r.negativeWindow().start().toString());
            fields.put("Negative end", r.negativeWindow().end().toString());
        }
        if (r.promptSyntax().a1111()) {
            fields.put("Prompt syntax", r.promptSyntax().toString());
            if (r.promptSyntax().emphasis() != Emphasis.ORIGINAL) {
                fields.put("Emphasis", r.promptSyntax().emphasis().label());
            }
            if (r.promptSyntax().commaBacktrack() != PromptSyntax.DEFAULT_COMMA_BACKTRACK) {
                fields.put(
                        "Comma padding backtrack",
                        Integer.toString(r.promptSyntax().commaBacktrack()));
            }
        }
        if (r.batchSize() > 1) {
            fields.put("Batch size", Integer.toString(r.batchSize()));
        }
        if (r.vaeTiling().enabled()) {
            fields.put("VAE tile size", Integer.toString(r.vaeTiling().tileSize()));
            fields.put("VAE tile overlap", Integer.toString(r.vaeTiling().overlap()));
        }
        if (r.guidanceWindow().minSigma() > 0) { // AUTOMATIC1111's names
            fields.put("NGMS", number(r.guidanceWindow().minSigma()));
            if (r.guidanceWindow().allSteps()) {
                fields.put("NGMS all steps", "True");
            }
        }
        if (r.guidanceWindow().cutoffRatio() < 1) { // diffusers' SDCFGCutoffCallback(cutoff_step_ratio)
            fields.put("CFG cutoff step ratio", number(r.guidanceWindow().cutoffRatio()));
        }
        if (r.deepCacheInterval() > 1) { // DeepCache's cache_interval (AUTOMATIC1111's DeepCache extensions differ)
            fields.put("DeepCache interval", Integer.toString(r.deepCacheInterval()));
        }
        tokenMergingFields(r, fields);
        r.image().ifPresent(image -> imageFields(image, fields));
        r.hiresFix().ifPresent(fix -> {
            fields.put("Denoising strength", number(fix.strength()));
            fields.put("Hires upscale", number(fix.scale()));
            if (fix.steps() > 0) {
                fields.put("Hires steps", Integer.toString(fix.steps()));
            }
            fields.put("Hires upscaler", fix.upscaler().label());
        });
        r.schedulerOverrides().forEach((k, v) -> fields.put("Scheduler " + k, v));
        if (!r.extraNetworks().hashes().isEmpty()) { // AUTOMATIC1111's: the prompt keeps its <lora:…> tags
            fields.put(
                    "Lora hashes",
                    r.extraNetworks().hashes().entrySet().stream()
                            .map(e -> e.getKey() + ": " + e.getValue())
                            .collect(Collectors.joining(", ")));
        }
        sdxlFields(r, fields);
        r.refiner()
                .ifPresent(
                        name -> { // AUTOMATIC1111's names (it adds the checkpoint's hash: we have none)
                            fields.put("Refiner", name);
                            fields.put(
                                    "Refiner switch at",
                                    number(r.denoisingStart() > 0 ? r.denoisingStart() : r.denoisingEnd()));
                        });
        fields.put("Version", Version.withName());
        text.append('\n')
                .append(fields.entrySet().stream()
                        .map(e -> e.getKey() + ": " + quote(e.getValue()))
                        .collect(Collectors.joining(", ")));
        return text.toString();
    }

    /**
     * The infotext a PNG carries (its "parameters" text).
     *
     * @param png the PNG's bytes; the stream stays open
     * @return the text, or empty when the PNG has none
     * @throws IOException when the stream cannot be read or is not a PNG
     */
    public static Optional<String> read(InputStream png) throws IOException {
        return Optional.ofNullable(PngWriter.readParameters(png));
    }

    /**
     * AUTOMATIC1111's token merging fields (the hires pass's written when the request has a hires fix and that pass
     * merges), and torchsd's max downsample where it is not tomesd's default.
     */
    private static void tokenMergingFields(GenerationRequest r, Map<String, String> fields) {
        TokenMerging merging = r.tokenMerging();
        double hires = r.hiresFix().map(fix -> merging.forHires(fix).ratio()).orElse(0.0);
        if (merging.enabled()) {
            fields.put("Token merging ratio", number(merging.ratio()));
        }
        if (hires > 0) {
            fields.put("Token merging ratio hr", number(hires));
        }
        if ((merging.enabled() || hires > 0) && merging.maxDownsample() != TokenMerging.DEFAULT_MAX_DOWNSAMPLE) {
            fields.put("Token merging max downsample", Integer.toString(merging.maxDownsample()));
        }
    }

    /** AUTOMATIC1111's img2img and inpainting fields. */
    private static void imageFields(ImageInput image, Map<String, String> fields) {
        fields.put("Denoising strength", number(image.strengthOrDefault()));
        if (image.mask().isPresent()) {
            if (image.maskBlur() > 0) {
                fields.put("Mask blur", Integer.toString(image.maskBlur()));
            }
            if (image.inpaintArea() == ImageInput.InpaintArea.MASKED) {
                fields.put("Inpaint area", "Only masked");
                fields.put("Masked area padding", Integer.toString(image.maskedPadding()));
            }
        }
    }

    /**
     * SDXL conditioning that differs from diffusers' defaults, under torchsd's own names (AUTOMATIC1111 writes
     * none): original size, crop and target size of the prompt and the negative prompt (as the image they say;
     * 0 stands for the image's size), the refiner's aesthetic scores, an encoded empty negative prompt.
     */
    private static void sdxlFields(GenerationRequest r, Map<String, String> fields) {
        SdxlConditioning sdxl = r.sdxl();
        sizeFields("SDXL ", sdxl.size(), r, fields);
        sdxl.negativeSize().ifPresent(size -> sizeFields("SDXL negative ", size, r, fields));
        if (sdxl.aestheticScore() != SdxlConditioning.DEFAULT.aestheticScore()) {
            fields.put("SDXL aesthetic score", number(sdxl.aestheticScore()));
        }
        if (sdxl.negativeAestheticScore() != SdxlConditioning.DEFAULT.negativeAestheticScore()) {
            fields.put("SDXL negative aesthetic score", number(sdxl.negativeAestheticScore()));
        }
        if (sdxl.encodeEmptyNegative()) {
            fields.put("SDXL encode empty negative", "True");
        }
    }

    private static void sizeFields(
            String prefix, SizeConditioning size, GenerationRequest r, Map<String, String> fields) {
        double[] ids = size.timeIds(r.width().getAsInt(), r.height().getAsInt()); // h, w, top, left, h, w
        if (size.originalWidth() != 0 || size.originalHeight() != 0) {
            fields.put(prefix + "original size", (int) ids[1] + "x" + (int) ids[0]);
        }
        if (size.cropTop() != 0 || size.cropLeft() != 0) {
            fields.put(prefix + "crop", size.cropTop() + "," + size.cropLeft());
        }
        if (size.targetWidth() != 0 || size.targetHeight() != 0) {
            fields.put(prefix + "target size", (int) ids[5] + "x" + (int) ids[4]);
        }
    }

    static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    static String quote(String value) {
        if (value.contains(",") || value.contains(":") || value.contains("\n")) {
            return GSON.toJson(value);
        }
        return value;
    }
}
