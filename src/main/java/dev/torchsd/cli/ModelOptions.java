package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.model.BuiltinModel;
import dev.torchsd.model.Model;
import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.runtime.Precision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import picocli.CommandLine.Option;

/**
 * {@code --model}, {@code --device}, {@code --precision} and {@code --embedding}: which model a command
 * loads, where, computing in what, and with which textual-inversion embeddings. The JIT mode and channels-last come from the system
 * properties ({@link LoadOptions#fromSystemProperties()}).
 */
final class ModelOptions {

    @Option(
            names = {"-m", "--model"},
            paramLabel = "DIR",
            description = "torchsd model folder (default: the built-in model)")
    Path model;

    @Option(names = "--device", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
    String device = LoadOptions.DEFAULT.device().toString();

    @Option(
            names = "--precision",
            paramLabel = "TYPE",
            description = "what the U-Net computes in: fp32 (default), fp16 (CUDA) or bf16 (AVX-512 BF16, AMX, GPUs);"
                    + " the VAE too with bf16 (fp16 upcasts it), the text encoder stays fp32"
                    + " (docs/performance.md; default: -Dtorchsd.precision or fp32)")
    String precision;

    @Option(
            names = "--embedding",
            paramLabel = "FILE[:TOKEN]",
            converter = EmbeddingArgument.Converter.class,
            description =
                    "load a textual-inversion embedding (.safetensors, .pt, .bin) under TOKEN (default: the file name"
                            + " without extension); repeatable")
    List<EmbeddingArgument> embeddings = new ArrayList<>();

    /** The model folder: the given one or the built-in model's. */
    Path folder() {
        return model == null ? BuiltinModel.folder() : model;
    }

    /** What the model is called in reports: its folder, or "built-in". */
    String label() {
        return model == null ? "built-in" : model.toString();
    }

    LoadOptions loadOptions() {
        LoadOptions options = LoadOptions.fromSystemProperties().withDevice(Device.parse(device));
        return precision == null ? options : options.withPrecision(Precision.parse(precision, "--precision"));
    }

    /** Loads the model and the embeddings, printing their warnings to {@code err}. */
    StableDiffusion open(PrintWriter err) {
        return open(folder(), err);
    }

    /** Loads the model in {@code folder} (an SDXL refiner) with these options and embeddings. */
    StableDiffusion open(Path folder, PrintWriter err) {
        StableDiffusion sd = StableDiffusion.load(folder, loadOptions());
        return withEmbeddings(
                sd, (file, token) -> sd.loadTextualInversion(file, token).warnings(), err);
    }

    /** {@link #open} behind the public API, for commands that time the networks themselves ({@code bench}). */
    Model openModel(PrintWriter err) {
        Model m = Model.load(folder(), loadOptions());
        return withEmbeddings(
                m, (file, token) -> m.loadTextualInversion(file, token).warnings(), err);
    }

    /** Loads every --embedding with {@code load} (which returns its warnings); closes {@code model} if one fails. */
    private <T extends AutoCloseable> T withEmbeddings(
            T model, BiFunction<Path, String, List<String>> load, PrintWriter err) {
        try {
            for (EmbeddingArgument embedding : embeddings) {
                load.apply(embedding.file(), embedding.token())
                        .forEach(w -> err.println("warning: " + embedding.file() + ": " + w));
            }
        } catch (RuntimeException e) {
            try {
                model.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        err.flush();
        return model;
    }
}
