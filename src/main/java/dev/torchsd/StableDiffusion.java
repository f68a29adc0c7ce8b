package dev.torchsd;

import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.model.BuiltinModel;
import dev.torchsd.model.Device;
import dev.torchsd.model.Model;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.Pipeline;
import dev.torchsd.pipeline.ProgressListener;
import dev.torchsd.pipeline.StepObserver;

import java.nio.file.Path;

/**
 * torchsd's front door: load a model once, generate many times, close.
 * <pre>
 * try (StableDiffusion sd = StableDiffusion.load(Path.of("models/my-model"))) {
 *     sd.generate(GenerationRequest.of("girl eating pizza").withSeed(42)).save(Path.of("pizza.png"));
 * }
 * </pre>
 * One instance may be used from several threads.
 */
public final class StableDiffusion implements AutoCloseable {
    private final Model model;
    private final Pipeline pipeline;

    private StableDiffusion(Model model) {
        this.model = model;
        this.pipeline = new Pipeline(model);
    }

    /** The model that ships with torchsd, on the CPU. */
    public static StableDiffusion builtin() {
        return builtin(Device.CPU);
    }

    /** The model that ships with torchsd, on a device. */
    public static StableDiffusion builtin(Device device) {
        return load(BuiltinModel.folder(), device);
    }

    /** A torchsd model folder (see docs/model-format.md), on the CPU. */
    public static StableDiffusion load(Path folder) {
        return load(folder, Device.CPU);
    }

    /** A torchsd model folder on a device: {@code Device.parse("cuda:0")}. */
    public static StableDiffusion load(Path folder, Device device) {
        return new StableDiffusion(Model.load(folder, device));
    }

    public GenerationResult generate(GenerationRequest request) {
        return pipeline.generate(request, ProgressListener.NONE);
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener) {
        return pipeline.generate(request, listener);
    }

    /** Generation with a {@link StepObserver} that sees (and may replace) every step's predictions. */
    public GenerationResult generate(GenerationRequest request, ProgressListener listener, StepObserver observer) {
        return pipeline.generate(request, listener, observer);
    }

    /** Loads a textual-inversion embedding under its default token; see {@link Model#loadTextualInversion(Path, String)}. */
    public LoadedEmbedding loadTextualInversion(Path file) {
        return model.loadTextualInversion(file);
    }

    /** Loads a textual-inversion embedding under {@code token}; see {@link Model#loadTextualInversion(Path, String)}. */
    public LoadedEmbedding loadTextualInversion(Path file, String token) {
        return model.loadTextualInversion(file, token);
    }

    /** The loaded model: manifest, tokenizer and networks, for looking inside. */
    public Model model() {
        return model;
    }

    @Override
    public void close() {
        model.close();
    }
}
