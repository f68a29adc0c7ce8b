package dev.torchsd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.torchsd.Internals;
import dev.torchsd.TestModels;
import dev.torchsd.generation.Pipeline;
import dev.torchsd.model.Model;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.LibTorch;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest's prediction_type drives the scheduler even where the scheduler object leaves it out. */
class ManifestPredictionTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    @Test
    void vPredictionModelWithoutSchedulerFieldUsesV() throws Exception {
        Path folder = TestModels.copyOfBuiltin(tmp);
        Path file = folder.resolve("model.json");
        JsonObject m = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        m.addProperty("prediction_type", "v_prediction");
        m.getAsJsonObject("scheduler").remove("prediction_type");
        Files.writeString(file, m.toString());
        try (Model model = Model.load(folder, LoadOptions.DEFAULT)) {
            Pipeline pipeline = new Pipeline(model);
            GenerationRequest request = Internals.resolve(GenerationRequest.of("a cat"), model.manifest());
            assertEquals(
                    "v_prediction",
                    pipeline.schedulerConfig(request)
                            .toJson()
                            .get("prediction_type")
                            .getAsString());
            GenerationRequest overridden = request.withSchedulerOverride("prediction_type", "epsilon");
            assertEquals(
                    "epsilon",
                    pipeline.schedulerConfig(overridden)
                            .toJson()
                            .get("prediction_type")
                            .getAsString());
        }
    }
}
