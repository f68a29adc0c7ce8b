package dev.torchsd.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A model folder's {@code model.json}: what the exports are and how to drive them.
 * The format is documented in docs/model-format.md.
 *
 * @param tokenizer the folder (relative to the model folder) holding CLIP's vocab.json and merges.txt
 * @param scheduler diffusers' scheduler config (its key names and values, verbatim)
 * @param architecture the exporter's record of the networks' sizes ({@code exporter.config}), or null; informative
 *                     (memory estimates), never required
 * @param fusedAttention whether the exports use torch's scaled_dot_product_attention ({@code exporter.sdpa}), whose
 *                       memory grows with the tokens, not their square
 * @param weightsDtype how the exports store their weights ({@code weights_dtype}); they are computed in float32 either way
 */
public record Manifest(
        String name,
        String family,
        String predictionType,
        int defaultWidth,
        int defaultHeight,
        TextEncoderSpec textEncoder,
        UNetSpec unet,
        VaeSpec vae,
        String tokenizer,
        JsonObject scheduler,
        JsonObject architecture,
        boolean fusedAttention,
        WeightsDtype weightsDtype) {

    public static final String FILE_NAME = "model.json";
    public static final int FORMAT_VERSION = 1;

    /** The text encoder export: its width, depth, vocabulary and padding. */
    public record TextEncoderSpec(
            String file,
            int hiddenSize,
            int numLayers,
            int vocabSize,
            int maxLength,
            int padTokenId,
            String tokenEmbedding) {}

    /**
     * The U-Net export.
     *
     * @param inChannels  channels of its sample input (the latents' 4, or 9 for an inpainting U-Net)
     * @param extraInputs the inputs it takes after (sample, timestep, context), by name ({@code unet.extra_inputs},
     *                    none for SD 1.x/2.x)
     */
    public record UNetSpec(String file, int inChannels, int contextDim, java.util.List<String> extraInputs) {
        public UNetSpec {
            extraInputs = java.util.List.copyOf(extraInputs);
        }
    }

    /** The VAE exports; latents are divided by scalingFactor before decoding; one latent pixel is scaleFactor image pixels. */
    public record VaeSpec(String decoder, String encoder, int latentChannels, double scalingFactor, int scaleFactor) {}

    /** Reads and validates {@code folder/model.json}. */
    public static Manifest read(Path folder) {
        Path file = folder.resolve(FILE_NAME);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ModelException(folder + " is not a torchsd model folder: " + FILE_NAME + " not found");
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        JsonObject root;
        try {
            root = JsonParser.parseString(text).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ModelException(file + ": not a JSON object (" + e.getMessage() + ")", e);
        }
        return parse(file.toString(), root);
    }

    /** A scheduler object naming another prediction type than the model's would silently break every image. */
    private static void checkSchedulerPrediction(String fileName, JsonObject root) {
        if (root.has("scheduler") && root.get("scheduler").isJsonObject() && root.has("prediction_type")) {
            var inScheduler = root.getAsJsonObject("scheduler").get("prediction_type");
            if (inScheduler != null
                    && inScheduler.isJsonPrimitive()
                    && !inScheduler
                            .getAsString()
                            .equals(root.get("prediction_type").getAsString())) {
                throw new ModelException(fileName + ": field 'scheduler.prediction_type': expected the model's"
                        + " prediction_type \"" + root.get("prediction_type").getAsString() + "\", found \""
                        + inScheduler.getAsString() + "\"");
            }
        }
    }

    private static JsonObject architecture(JsonObject root) {
        JsonElement exporter = root.get("exporter");
        if (exporter != null && exporter.isJsonObject()) {
            JsonElement config = exporter.getAsJsonObject().get("config");
            if (config != null && config.isJsonObject()) {
                return config.getAsJsonObject();
            }
        }
        return null;
    }

    private static boolean exporterFlag(JsonObject root, String name) {
        JsonElement exporter = root.get("exporter");
        if (exporter != null && exporter.isJsonObject()) {
            JsonElement flag = exporter.getAsJsonObject().get(name);
            return flag != null
                    && flag.isJsonPrimitive()
                    && flag.getAsJsonPrimitive().isBoolean()
                    && flag.getAsBoolean();
        }
        return false;
    }

    static Manifest parse(String fileName, JsonObject root) {
        JsonFields m = new JsonFields(fileName, "", root);
        m.oneOf("format", "torchsd-model");
        int version = m.integer("format_version");
        if (version != FORMAT_VERSION) {
            throw new ModelException(fileName + ": format_version " + version + " is not supported (expected "
                    + FORMAT_VERSION + "); re-export the model with this torchsd's cppbuild.sh");
        }
        checkSchedulerPrediction(fileName, root);
        JsonFields text = m.object("text_encoder");
        JsonFields unet = m.object("unet");
        JsonFields vae = m.object("vae");
        return new Manifest(
                m.string("name"),
                m.oneOf("family", "sd1", "sd2"),
                m.oneOf("prediction_type", "epsilon", "v_prediction"),
                m.positiveInt("default_width"),
                m.positiveInt("default_height"),
                new TextEncoderSpec(
                        text.string("file"),
                        text.positiveInt("hidden_size"),
                        text.positiveInt("num_layers"),
                        text.positiveInt("vocab_size"),
                        text.positiveInt("max_length"),
                        text.integer("pad_token_id"),
                        text.string("token_embedding")),
                new UNetSpec(
                        unet.string("file"),
                        unet.positiveInt("in_channels"),
                        unet.positiveInt("context_dim"),
                        unet.optionalStrings("extra_inputs")),
                new VaeSpec(
                        vae.string("decoder"),
                        vae.string("encoder"),
                        vae.positiveInt("latent_channels"),
                        vae.positiveNumber("scaling_factor"),
                        vae.positiveInt("scale_factor")),
                m.string("tokenizer"),
                m.rawObject("scheduler"),
                architecture(root),
                exporterFlag(root, "sdpa"),
                WeightsDtype.read(m));
    }
}
