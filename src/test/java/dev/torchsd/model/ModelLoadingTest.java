package dev.torchsd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.TestModels;
import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.LoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged model folder is refused with a message naming the file and the problem; nothing crashes. */
class ModelLoadingTest {
    @TempDir
    Path tmp;

    @Test
    void loadsTheBuiltinModel() {
        try (Model model = Model.loadBuiltin()) {
            Manifest m = model.manifest();
            assertEquals("sd1", m.family());
            assertEquals(m.textEncoder().vocabSize(), model.tokenizer().vocabularySize());
            assertEquals(m.textEncoder().vocabSize(), model.textEncoder().tokenCount());
            assertEquals(m.textEncoder().padTokenId(), model.tokenizer().padId());
            assertEquals("PNDMScheduler", m.scheduler().get("_class_name").getAsString());
        }
    }

    @Test
    void missingFolder() {
        var e = assertThrows(ModelException.class, () -> Model.load(tmp.resolve("nope"), LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("model folder not found").contains("nope");
    }

    @Test
    void folderWithoutManifest() {
        var e = assertThrows(ModelException.class, () -> Model.load(tmp, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("model.json not found");
    }

    @Test
    void missingTorchScriptFile() throws IOException {
        Path model = TestModels.copyOfBuiltin(tmp);
        Files.delete(model.resolve("unet.pt"));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("TorchScript file not found").contains("unet.pt");
    }

    @Test
    void corruptTorchScriptFile() throws IOException {
        Path model = TestModels.copyOfBuiltin(tmp);
        byte[] bytes = Files.readAllBytes(model.resolve("unet.pt"));
        Files.write(model.resolve("unet.pt"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("unet.pt").contains("not a TorchScript file");
    }

    @Test
    void garbageInsteadOfTorchScript() throws IOException {
        Path model = TestModels.copyOfBuiltin(tmp);
        Files.writeString(model.resolve("vae_decoder.pt"), "this is not a zip archive");
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("vae_decoder.pt").contains("not a TorchScript file");
    }

    @Test
    void manifestNotJson() throws IOException {
        Path model = TestModels.copyOfBuiltin(tmp);
        Files.writeString(model.resolve("model.json"), "{ not json");
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("model.json").contains("not a JSON object");
    }

    @Test
    void manifestMissingField() throws IOException {
        Path model = editManifest(m -> m.getAsJsonObject("text_encoder").remove("hidden_size"));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("model.json").contains("missing field 'text_encoder.hidden_size'");
    }

    @Test
    void manifestWrongType() throws IOException {
        Path model = editManifest(m -> m.getAsJsonObject("vae").addProperty("scaling_factor", "big"));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage())
                .contains("field 'vae.scaling_factor'")
                .contains("expected a positive number")
                .contains("\"big\"");
    }

    @Test
    void manifestUnknownFamily() throws IOException {
        Path model = editManifest(m -> m.addProperty("family", "sd9"));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("field 'family'").contains("sd1").contains("\"sd9\"");
    }

    @Test
    void manifestUnknownWeightsDtype() throws IOException {
        Path model = editManifest(m -> m.addProperty("weights_dtype", "int8"));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage())
                .contains("model.json")
                .contains("field 'weights_dtype'")
                .contains("expected one of float32, float16")
                .contains("found \"int8\"");
    }

    @Test
    void weightsDtypeIsFloat32UnlessTheManifestSaysFloat16() throws IOException {
        assertEquals(
                WeightsDtype.FLOAT32,
                builtinManifestWith(m -> m.remove("weights_dtype")).weightsDtype());
        assertEquals(
                WeightsDtype.FLOAT32,
                builtinManifestWith(m -> m.addProperty("weights_dtype", "float32"))
                        .weightsDtype());
        assertEquals(
                WeightsDtype.FLOAT16,
                builtinManifestWith(m -> m.addProperty("weights_dtype", "float16"))
                        .weightsDtype());
        // exports written before weights_dtype existed said "dtype": "fp16"
        assertEquals(
                WeightsDtype.FLOAT16,
                builtinManifestWith(m -> {
                            m.remove("weights_dtype");
                            m.addProperty("dtype", "fp16");
                        })
                        .weightsDtype());
    }

    @Test
    void manifestSchedulerPredictionContradictsTheModel() throws IOException {
        Path model = editManifest(m -> m.addProperty("prediction_type", "v_prediction"));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage())
                .contains("model.json")
                .contains("'scheduler.prediction_type'")
                .contains("\"v_prediction\"")
                .contains("found \"epsilon\"");
    }

    @Test
    void manifestVocabularyDisagreesWithTokenizer() throws IOException {
        Path model = editManifest(m -> m.getAsJsonObject("text_encoder").addProperty("vocab_size", 123));
        var e = assertThrows(ModelException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("123");
    }

    @Test
    void tokenizerFilesMissing() throws IOException {
        Path model = TestModels.copyOfBuiltin(tmp);
        Files.delete(model.resolve("tokenizer/merges.txt"));
        var e = assertThrows(dev.torchsd.error.TorchsdException.class, () -> Model.load(model, LoadOptions.DEFAULT));
        assertThat(e.getMessage()).contains("merges.txt");
    }

    @Test
    void unknownDevice() {
        var e = assertThrows(dev.torchsd.runtime.DeviceException.class, () -> Device.parse("tpu"));
        assertThat(e.getMessage()).contains("unknown device 'tpu'");
    }

    @Test
    void cudaWithoutGpuIsAClearError() {
        Device cuda = Device.parse("cuda:1");
        assertEquals("cuda:1", cuda.toString());
        org.junit.jupiter.api.Assumptions.assumeFalse(
                Device.cudaAvailable(), "this machine has CUDA; the error case cannot be shown");
        var e = assertThrows(
                dev.torchsd.runtime.DeviceException.class,
                () -> Model.load(TestModels.builtinFolder(), LoadOptions.DEFAULT.withDevice(cuda)));
        assertThat(e.getMessage()).contains("cuda:1").contains("not available");
    }

    private static Manifest builtinManifestWith(Consumer<JsonObject> edit) throws IOException {
        Path file = TestModels.builtinFolder().resolve("model.json");
        JsonObject m = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        edit.accept(m);
        return Manifest.parse(file.toString(), m);
    }

    private Path editManifest(Consumer<JsonObject> edit) throws IOException {
        Path model = TestModels.copyOfBuiltin(tmp);
        Path file = model.resolve("model.json");
        JsonObject m = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        edit.accept(m);
        Files.writeString(file, m.toString());
        return model;
    }
}
