package dev.torchsd.server;

import dev.torchsd.Embedding;
import dev.torchsd.StableDiffusion;
import dev.torchsd.runtime.LoadOptions;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The models a server holds, by title (the manifest's model name), loaded at start from the folders
 * it was given, each with the embeddings of the embedding folder, and the LoRA folder the prompts'
 * tags are looked up in. A client names a model only by title and a LoRA only by name: no path from
 * a request ever reaches the file system, and none of the server's paths reaches a client.
 */
final class ServedModels implements AutoCloseable {
    private static final List<String> EMBEDDING_SUFFIXES = List.of(".safetensors", ".pt", ".bin");

    private final Map<String, StableDiffusion> models = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final Path loraFolder;
    private volatile String current;

    private ServedModels(Path loraFolder) {
        this.loraFolder = loraFolder;
    }

    /**
     * Loads the folders (none: the built-in model) and the embeddings, and checks the LoRA folder can
     * be listed; closes what it loaded if one fails.
     */
    static ServedModels load(List<Path> folders, Optional<Path> embeddingDir, Optional<Path> loraDir) {
        loraDir.ifPresent(StableDiffusion::loraFiles);
        ServedModels served = new ServedModels(
                loraDir.map(d -> d.toAbsolutePath().normalize()).orElse(null));
        try {
            List<Path> embeddings =
                    embeddingDir.map(ServedModels::embeddingFiles).orElse(List.of());
            if (folders.isEmpty()) {
                served.add(StableDiffusion.builtin(LoadOptions.fromSystemProperties()), embeddings);
            }
            for (Path folder : folders) {
                served.add(StableDiffusion.load(folder, LoadOptions.fromSystemProperties()), embeddings);
            }
        } catch (RuntimeException e) {
            served.close();
            throw e;
        }
        served.current = served.models.keySet().iterator().next();
        return served;
    }

    private void add(StableDiffusion sd, List<Path> embeddings) {
        String title = sd.info().name();
        if (models.containsKey(title)) {
            sd.close();
            throw new IllegalArgumentException("two model folders hold a model named '" + title + "': "
                    + models.get(title).info().folder() + " and the one given after it");
        }
        models.put(title, sd);
        for (Path file : embeddings) {
            Embedding e = sd.loadTextualInversion(file);
            e.warnings().forEach(w -> warnings.add(file.getFileName() + ": " + w));
        }
    }

    private static List<Path> embeddingFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> EMBEDDING_SUFFIXES.stream()
                            .anyMatch(s -> f.getFileName()
                                    .toString()
                                    .toLowerCase(Locale.ROOT)
                                    .endsWith(s)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the embedding folder " + dir, e);
        }
    }

    /** The model of {@code title}; a 422 on {@code field} when no served model has it. */
    StableDiffusion get(String title, String field) {
        StableDiffusion sd = models.get(title);
        if (sd == null) {
            throw new FieldException(
                    field, "no model '" + title + "' is served; served: " + String.join(", ", titles()));
        }
        return sd;
    }

    /** The model requests use when they name none (AUTOMATIC1111's sd_model_checkpoint option). */
    String current() {
        return current;
    }

    void select(String title, String field) {
        get(title, field);
        current = title;
    }

    List<String> titles() {
        return List.copyOf(models.keySet());
    }

    /** The embeddings every model holds (the same files were loaded into each). */
    List<Embedding> embeddings() {
        return models.values().iterator().next().textualInversions();
    }

    /** The folder of the prompts' {@code <lora:name:w>} tags, if the server has one. */
    Optional<Path> loraFolder() {
        return Optional.ofNullable(loraFolder);
    }

    /** The LoRA files of the folder (none without one), read again on each call so files added later are seen. */
    List<Path> loraFiles() {
        return loraFolder == null ? List.of() : StableDiffusion.loraFiles(loraFolder);
    }

    /** {@code message} with the server's folders (LoRA, models) named by role rather than by path. */
    String hidePaths(String message) {
        String hidden = message;
        if (loraFolder != null) {
            hidden = hide(hide(hidden, loraFolder + File.separator, ""), loraFolder.toString(), "the LoRA folder");
        }
        for (StableDiffusion sd : models.values()) {
            Path folder = sd.info().folder();
            hidden = hide(hidden, folder.toAbsolutePath().normalize().toString(), "the model folder");
            hidden = hide(hidden, folder.toString(), "the model folder");
        }
        return hidden;
    }

    private static String hide(String text, String path, String role) {
        return path.length() < 2 ? text : text.replace(path, role);
    }

    /** Problems found while loading embeddings that did not stop the server. */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public void close() {
        models.values().forEach(StableDiffusion::close);
    }
}
