package dev.torchsd.spark;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The models of this JVM (a Spark executor), one per {@link ModelSpec}: loaded by the first task that
 * needs it, shared by every task after it (a {@link StableDiffusion} is safe to use from several threads),
 * closed when the JVM exits. Tasks never close a model: the next job on the same executors reuses it.
 */
public final class ModelCache {
    private static final Map<ModelSpec, StableDiffusion> MODELS = new ConcurrentHashMap<>();
    private static final Map<ModelSpec, AtomicInteger> LOADS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ModelCache::closeAll, "torchsd-model-cache-close"));
    }

    private ModelCache() {}

    /** The model of {@code spec}, loaded now if this JVM has not loaded it; {@code onLoad} gets a load's milliseconds. */
    public static StableDiffusion get(ModelSpec spec, LongConsumer onLoad) {
        StableDiffusion cached = MODELS.get(spec);
        if (cached != null) {
            return cached;
        }
        // computeIfAbsent: concurrent tasks of this executor wait for the one load
        return MODELS.computeIfAbsent(spec, s -> {
            long start = System.nanoTime();
            StableDiffusion sd = load(s);
            LOADS.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
            onLoad.accept((System.nanoTime() - start) / 1_000_000);
            return sd;
        });
    }

    /** How often this JVM has loaded {@code spec}'s model: 1 after any number of jobs, unless it failed to load. */
    public static int loads(ModelSpec spec) {
        AtomicInteger n = LOADS.get(spec);
        return n == null ? 0 : n.get();
    }

    private static StableDiffusion load(ModelSpec spec) {
        StableDiffusion sd = spec.modelFolder()
                .map(folder -> StableDiffusion.load(folder, spec.loadOptions()))
                .orElseGet(() -> StableDiffusion.builtin(spec.loadOptions()));
        try {
            for (Path file :
                    spec.embeddingsFolder().map(ModelCache::embeddingFiles).orElse(List.of())) {
                sd.loadTextualInversion(file);
            }
            return sd;
        } catch (RuntimeException e) {
            sd.close();
            throw e;
        }
    }

    /** The folder's embedding files, sorted by name, so every executor loads them in the same order. */
    private static List<Path> embeddingFiles(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().matches(".*\\.(safetensors|pt|bin)"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new TorchsdException("cannot list the embeddings folder " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Closes every model: running generations stop at their next step, then the natives are freed. */
    private static void closeAll() {
        MODELS.values().forEach(StableDiffusion::close);
        MODELS.clear();
    }
}
