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
 * @param textEncoders the text encoders whose hidden states are concatenated into the U-Net's context, in order:
 *                     SD 1.x/2.x one, SDXL CLIP-L then OpenCLIP bigG ({@code text_encoder}, {@code text_encoder_2}),
 *                     the SDXL refiner bigG only
 * @param tokenizer the folder (relative to the model folder) holding CLIP's vocab.json and merges.txt (the
 *                  refiner's: {@code tokenizer_2} when present)
 * @param secondTokenizer SDXL's {@code tokenizer_2} folder, or null (the same vocabulary; only its padding differs,
 *                        which {@link TextEncoderSpec#padTokenId()} says)
 * @param forceZerosForEmptyPrompt SDXL base: without a negative prompt the unconditional context and pooled
 *                                 embedding are zeros ({@code force_zeros_for_empty_prompt}, as diffusers)
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
        java.util.List<TextEncoderSpec> textEncoders,
        UNetSpec unet,
        VaeSpec vae,
        String tokenizer,
        String secondTokenizer,
        boolean forceZerosForEmptyPrompt,
        JsonObject scheduler,
        JsonObject architecture,
        boolean fusedAttention,
        WeightsDtype weightsDtype) {

    public static final String FILE_NAME = "model.json";
    public static final int FORMAT_VERSION = 1;
    /** The SDXL families: two text encoders (the refiner one), a pooled embedding and time ids into the U-Net. */
    public static final String SDXL = "sdxl";

    public static final String SDXL_REFINER = "sdxl-refiner";
    /** SDXL's U-Net extra inputs: the pooled text embedding and the size (and aesthetic score) ids. */
    public static final String TEXT_EMBEDS = "text_embeds";

    public static final String TIME_IDS = "time_ids";
    /** The latent channels of SD 1.x/2.x/XL's VAE (SD3's and Flux's, which torchsd does not run, have 16). */
    private static final int LATENT_CHANNELS = 4;
    /** The scaling factor of SD 1.x/2.x's VAE. */
    private static final double SD_VAE_SCALING = 0.18215;
    /** The scaling factor of SDXL's VAE: SD's architecture, retrained. */
    private static final double SDXL_VAE_SCALING = 0.13025;

    public Manifest {
        textEncoders = java.util.List.copyOf(textEncoders);
    }

    /** The first text encoder (SD 1.x/2.x: the only one; SDXL: CLIP-L; the refiner: bigG). */
    public TextEncoderSpec textEncoder() {
        return textEncoders.get(0);
    }

    /** Whether this is an SDXL base or refiner model. */
    public boolean isSdxl() {
        return family.equals(SDXL) || family.equals(SDXL_REFINER);
    }

    /** What a text-encoder export returns ({@code output}). */
    public enum TextOutput {
        /** SD 1.x/2.x: the chosen layer's hidden states through the final layer norm; skip_layers = clip skip - 1. */
        FINAL_LAYER_NORM,
        /** SDXL: the hidden states after layer (layers - skip_layers), no final layer norm; skip_layers = clip skip. */
        HIDDEN
    }

    /**
     * A text encoder export: its width, depth, vocabulary and padding.
     *
     * @param output        what its forward returns
     * @param projectionDim the width of its pooled embedding ({@code pooled} method; SDXL's bigG), 0 when it has none
     */
    public record TextEncoderSpec(
            String file,
            int hiddenSize,
            int numLayers,
            int vocabSize,
            int maxLength,
            int padTokenId,
            String tokenEmbedding,
            TextOutput output,
            int projectionDim) {

        /** A SD 1.x/2.x text encoder: final layer norm output, no pooled embedding. */
        public TextEncoderSpec(
                String file,
                int hiddenSize,
                int numLayers,
                int vocabSize,
                int maxLength,
                int padTokenId,
                String tokenEmbedding) {
            this(
                    file,
                    hiddenSize,
                    numLayers,
                    vocabSize,
                    maxLength,
                    padTokenId,
                    tokenEmbedding,
                    TextOutput.FINAL_LAYER_NORM,
                    0);
        }
    }

    /**
     * The U-Net export.
     *
     * @param inChannels  channels of its sample input (the latents' 4, or 9 for an inpainting U-Net)
     * @param extraInputs the inputs it takes after (sample, timestep, context), by name ({@code unet.extra_inputs},
     *                    none for SD 1.x/2.x)
     * @param deepCache   the export has DeepCache's methods {@code forward_caching} and {@code forward_shallow}
     *                    ({@code unet.deepcache}; exports made before them have forward only)
     * @param tokenMerging the export has token merging's method {@code forward_tome} ({@code unet.tome}; exports
     *                    made before it lack it)
     */
    public record UNetSpec(
            String file,
            int inChannels,
            int contextDim,
            java.util.List<String> extraInputs,
            int timeIds,
            boolean deepCache,
            boolean tokenMerging) {
        public UNetSpec {
            extraInputs = java.util.List.copyOf(extraInputs);
        }

        /** A U-Net without SDXL's time ids. */
        public UNetSpec(String file, int inChannels, int contextDim, java.util.List<String> extraInputs) {
            this(file, inChannels, contextDim, extraInputs, 0, false, false);
        }
    }

    /**
     * The VAE exports; latents are divided by scalingFactor before decoding; one latent pixel is scaleFactor image
     * pixels. {@code forceUpcast}: the VAE overflows in float16 (SDXL's), it runs in float32.
     */
    public record VaeSpec(
            String decoder,
            String encoder,
            int latentChannels,
            double scalingFactor,
            int scaleFactor,
            boolean forceUpcast) {}

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
        String family = m.oneOf("family", "sd1", "sd2", SDXL, SDXL_REFINER);
        boolean sdxl = family.equals(SDXL) || family.equals(SDXL_REFINER);
        JsonFields unet = m.object("unet");
        JsonFields vae = m.object("vae");
        java.util.List<TextEncoderSpec> texts = new java.util.ArrayList<>();
        if (!family.equals(SDXL_REFINER)) {
            texts.add(textEncoder(m.object("text_encoder"), sdxl));
        }
        if (sdxl) {
            TextEncoderSpec bigG = textEncoder(m.object("text_encoder_2"), true);
            if (bigG.projectionDim() == 0) {
                throw new ModelException(fileName + ": missing field 'text_encoder_2.projection_dim' (the pooled"
                        + " embedding's width)");
            }
            texts.add(bigG);
        }
        if (sdxl) {
            checkSdxl(fileName, family, texts, unet);
        }
        checkVae(fileName, family, sdxl, vae);
        String tokenizer = m.string("tokenizer");
        String secondTokenizer = sdxl && m.has("tokenizer_2") ? m.string("tokenizer_2") : null;
        return new Manifest(
                m.string("name"),
                family,
                m.oneOf("prediction_type", "epsilon", "v_prediction"),
                m.positiveInt("default_width"),
                m.positiveInt("default_height"),
                texts,
                new UNetSpec(
                        unet.string("file"),
                        unet.positiveInt("in_channels"),
                        unet.positiveInt("context_dim"),
                        unet.optionalStrings("extra_inputs"),
                        sdxl ? unet.positiveInt("time_ids") : 0,
                        unet.has("deepcache") && unet.bool("deepcache"),
                        unet.has("tome") && unet.bool("tome")),
                new VaeSpec(
                        vae.string("decoder"),
                        vae.string("encoder"),
                        vae.positiveInt("latent_channels"),
                        vae.positiveNumber("scaling_factor"),
                        vae.positiveInt("scale_factor"),
                        vae.has("force_upcast") && vae.bool("force_upcast")),
                family.equals(SDXL_REFINER) && secondTokenizer != null ? secondTokenizer : tokenizer,
                family.equals(SDXL_REFINER) ? null : secondTokenizer,
                sdxl && m.has("force_zeros_for_empty_prompt") && m.bool("force_zeros_for_empty_prompt"),
                m.rawObject("scheduler"),
                architecture(root),
                exporterFlag(root, "sdpa"),
                WeightsDtype.read(m));
    }

    /** The U-Net takes what the SDXL conditioning gives: the encoders' widths, the pooled embedding, the time ids. */
    private static void checkSdxl(
            String fileName, String family, java.util.List<TextEncoderSpec> texts, JsonFields unet) {
        int width = texts.stream().mapToInt(TextEncoderSpec::hiddenSize).sum();
        if (unet.positiveInt("context_dim") != width) {
            throw new ModelException(fileName + ": field 'unet.context_dim': expected " + width + " (the text"
                    + " encoders' hidden sizes together), found " + unet.positiveInt("context_dim"));
        }
        java.util.List<String> extras = unet.optionalStrings("extra_inputs");
        if (!extras.equals(java.util.List.of(TEXT_EMBEDS, TIME_IDS))) {
            throw new ModelException(fileName + ": field 'unet.extra_inputs': expected [" + TEXT_EMBEDS + ", "
                    + TIME_IDS + "] for an SDXL model, found " + extras);
        }
        int timeIds = family.equals(SDXL) ? 6 : 5;
        if (unet.positiveInt("time_ids") != timeIds) {
            throw new ModelException(fileName + ": field 'unet.time_ids': expected " + timeIds + " for family " + family
                    + ", found " + unet.positiveInt("time_ids"));
        }
    }

    /**
     * The VAE is of the family's kind: 4 latent channels; for SDXL, SDXL's scaling factor; for SD 1.x/2.x, not SDXL's
     * (an SD 1.x/2.x model may bring a VAE of its own with its own factor, as the built-in model does).
     */
    private static void checkVae(String fileName, String family, boolean sdxl, JsonFields vae) {
        int channels = vae.positiveInt("latent_channels");
        if (channels != LATENT_CHANNELS) {
            throw new ModelException(fileName + ": field 'vae.latent_channels': expected " + LATENT_CHANNELS
                    + " for family " + family + " (SD 1.x/2.x/XL's VAE; SD3's and Flux's have 16), found " + channels);
        }
        double scaling = vae.positiveNumber("scaling_factor");
        if (sdxl && !near(scaling, SDXL_VAE_SCALING)) {
            throw new ModelException(fileName + ": field 'vae.scaling_factor': expected " + SDXL_VAE_SCALING
                    + " for family " + family + " (SDXL's VAE), found " + scaling
                    + (near(scaling, SD_VAE_SCALING) ? " (SD 1.x/2.x's VAE)" : "")
                    + "; re-export the model with an SDXL VAE");
        }
        if (!sdxl && near(scaling, SDXL_VAE_SCALING)) {
            throw new ModelException(fileName + ": field 'vae.scaling_factor': expected SD 1.x/2.x's " + SD_VAE_SCALING
                    + " (or the model's own VAE's) for family " + family + ", found " + scaling
                    + " (SDXL's VAE); re-export the model with its own VAE");
        }
    }

    private static boolean near(double value, double expected) {
        return Math.abs(value - expected) < 1e-6;
    }

    private static TextEncoderSpec textEncoder(JsonFields text, boolean sdxl) {
        TextOutput output = TextOutput.FINAL_LAYER_NORM;
        if (text.has("output")) {
            output = text.oneOf("output", "final_layer_norm", "hidden").equals("hidden")
                    ? TextOutput.HIDDEN
                    : TextOutput.FINAL_LAYER_NORM;
        }
        if (sdxl && output != TextOutput.HIDDEN) {
            throw new ModelException(text.fileName() + ": field '" + text.path() + ".output': expected \"hidden\" for"
                    + " an SDXL model (the hidden states before the final layer norm), found \""
                    + (text.has("output") ? text.string("output") : "(absent)") + "\"");
        }
        return new TextEncoderSpec(
                text.string("file"),
                text.positiveInt("hidden_size"),
                text.positiveInt("num_layers"),
                text.positiveInt("vocab_size"),
                text.positiveInt("max_length"),
                text.integer("pad_token_id"),
                text.string("token_embedding"),
                output,
                text.has("projection_dim") ? text.positiveInt("projection_dim") : 0);
    }
}
