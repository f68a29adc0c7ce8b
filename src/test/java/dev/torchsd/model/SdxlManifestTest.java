package dev.torchsd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The SDXL fields of model.json (docs/model-format.md): read for the families sdxl and sdxl-refiner only, and
 * each inconsistency a ModelException naming the field, what was expected and what was found.
 */
class SdxlManifestTest {

    /** The built-in model's manifest turned into an SDXL base's (the networks' files are not opened). */
    static JsonObject sdxl() throws IOException {
        Path file = TestModels.builtinFolder().resolve("model.json");
        JsonObject m = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        m.addProperty("family", "sdxl");
        JsonObject l = m.getAsJsonObject("text_encoder");
        l.addProperty("output", "hidden");
        JsonObject g = l.deepCopy();
        g.addProperty("file", "text_encoder_2.pt");
        g.addProperty("hidden_size", 48);
        g.addProperty("pad_token_id", 0);
        g.addProperty("projection_dim", 40);
        m.add("text_encoder_2", g);
        JsonObject unet = m.getAsJsonObject("unet");
        unet.addProperty("context_dim", 32 + 48);
        JsonArray extras = new JsonArray();
        extras.add("text_embeds");
        extras.add("time_ids");
        unet.add("extra_inputs", extras);
        unet.addProperty("time_ids", 6);
        m.getAsJsonObject("vae").addProperty("force_upcast", true);
        m.getAsJsonObject("vae").addProperty("scaling_factor", 0.13025);
        m.addProperty("force_zeros_for_empty_prompt", true);
        return m;
    }

    static Manifest parse(Consumer<JsonObject> edit) throws IOException {
        JsonObject m = sdxl();
        edit.accept(m);
        return Manifest.parse("model.json", m);
    }

    @Test
    void readsTheSdxlFields() throws IOException {
        Manifest m = parse(x -> {});
        assertThat(m.isSdxl()).isTrue();
        assertThat(m.textEncoders()).hasSize(2);
        assertThat(m.textEncoders().get(0).output()).isEqualTo(Manifest.TextOutput.HIDDEN);
        assertThat(m.textEncoders().get(1).projectionDim()).isEqualTo(40);
        assertThat(m.textEncoders().get(1).padTokenId()).isZero();
        assertThat(m.unet().timeIds()).isEqualTo(6);
        assertThat(m.vae().forceUpcast()).isTrue();
        assertThat(m.forceZerosForEmptyPrompt()).isTrue();
        assertThat(m.secondTokenizer()).isNull();
    }

    @Test
    void theRefinerHasBigGOnly() throws IOException {
        Manifest m = parse(x -> {
            x.addProperty("family", "sdxl-refiner");
            x.remove("text_encoder");
            x.getAsJsonObject("unet").addProperty("context_dim", 48);
            x.getAsJsonObject("unet").addProperty("time_ids", 5);
            x.addProperty("force_zeros_for_empty_prompt", false);
        });
        assertThat(m.textEncoders()).hasSize(1);
        assertThat(m.textEncoder().projectionDim()).isEqualTo(40);
        assertThat(m.forceZerosForEmptyPrompt()).isFalse();
    }

    @Test
    void sd1FoldersIgnoreTheNewFields() throws IOException {
        Manifest m = parse(x -> {
            x.addProperty("family", "sd1");
            x.getAsJsonObject("vae").addProperty("scaling_factor", 0.18215);
        });
        assertThat(m.textEncoders()).hasSize(1);
        assertThat(m.textEncoder().output()).isEqualTo(Manifest.TextOutput.HIDDEN);
        assertThat(m.unet().timeIds()).isZero();
        assertThat(m.forceZerosForEmptyPrompt()).isFalse();
    }

    /** A VAE of another family: 16 latent channels (SD3, Flux), SD 1.x/2.x's scaling factor on SDXL, and the reverse. */
    @Test
    void aVaeOfAnotherFamilyIsRefused() throws IOException {
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(x -> x.getAsJsonObject("vae").addProperty("latent_channels", 16)))
                        .getMessage())
                .contains("model.json: field 'vae.latent_channels': expected 4 for family sdxl")
                .contains("found 16");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(x -> x.getAsJsonObject("vae").addProperty("scaling_factor", 0.18215)))
                        .getMessage())
                .contains("field 'vae.scaling_factor': expected 0.13025 for family sdxl (SDXL's VAE), found 0.18215"
                        + " (SD 1.x/2.x's VAE)");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(x -> {
                                    x.addProperty("family", "sdxl-refiner");
                                    x.remove("text_encoder");
                                    x.getAsJsonObject("unet").addProperty("context_dim", 48);
                                    x.getAsJsonObject("unet").addProperty("time_ids", 5);
                                    x.getAsJsonObject("vae").addProperty("scaling_factor", 0.5);
                                }))
                        .getMessage())
                .contains("expected 0.13025 for family sdxl-refiner (SDXL's VAE), found 0.5;");
        assertThat(assertThrows(ModelException.class, () -> parse(x -> x.addProperty("family", "sd2")))
                        .getMessage())
                .contains("field 'vae.scaling_factor': expected SD 1.x/2.x's 0.18215 (or the model's own VAE's) for"
                        + " family sd2, found 0.13025 (SDXL's VAE)");
        // an SD 1.x model's own VAE keeps its own factor (the built-in model's 1.73)
        assertThat(parse(x -> {
                            x.addProperty("family", "sd1");
                            x.getAsJsonObject("vae").addProperty("scaling_factor", 1.73);
                        })
                        .vae()
                        .scalingFactor())
                .isEqualTo(1.73);
    }

    @Test
    void inconsistenciesNameTheField() {
        assertThat(assertThrows(ModelException.class, () -> parse(x -> x.remove("text_encoder_2")))
                        .getMessage())
                .contains("missing field 'text_encoder_2'");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(x -> x.getAsJsonObject("unet").addProperty("context_dim", 2048)))
                        .getMessage())
                .contains("field 'unet.context_dim': expected 80")
                .contains("found 2048");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(x -> x.getAsJsonObject("unet").addProperty("time_ids", 5)))
                        .getMessage())
                .contains("field 'unet.time_ids': expected 6 for family sdxl, found 5");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(
                                        x -> x.getAsJsonObject("text_encoder_2").remove("projection_dim")))
                        .getMessage())
                .contains("text_encoder_2.projection_dim");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(
                                        x -> x.getAsJsonObject("text_encoder").remove("output")))
                        .getMessage())
                .contains("field 'text_encoder.output': expected \"hidden\"");
        assertThat(assertThrows(
                                ModelException.class,
                                () -> parse(x -> x.getAsJsonObject("unet").remove("extra_inputs")))
                        .getMessage())
                .contains("field 'unet.extra_inputs': expected [text_embeds, time_ids]");
        assertThat(assertThrows(ModelException.class, () -> parse(x -> x.addProperty("family", "sd3")))
                        .getMessage())
                .contains("expected one of sd1, sd2, sdxl, sdxl-refiner");
    }
}
