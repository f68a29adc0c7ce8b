package dev.torchsd.spark;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.runtime.Device;
import dev.torchsd.runtime.JitMode;
import dev.torchsd.runtime.LoadOptions;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.spark.SparkFiles;

/**
 * Which model an executor loads: a value sent with every task and the key of {@link ModelCache}.
 * A folder is a path every executor sees (a shared file system), or {@code sparkfiles:NAME} for
 * one shipped to the executors ({@code spark-submit --archives model.zip#NAME}, or
 * {@code SparkContext.addFile(folder, true)}, which {@link #ship} does); no folder is the built-in model.
 *
 * @param model        the model folder, {@code sparkfiles:NAME}, or null for the built-in model
 * @param embeddings   a folder of textual-inversion embeddings (path or {@code sparkfiles:NAME}), or null:
 *                     every .safetensors, .pt and .bin in it is loaded under its file name
 * @param device       {@link Device#parse} text: cpu, cuda, cuda:N
 * @param jit          {@link JitMode} name
 * @param channelsLast {@link LoadOptions#channelsLast()}
 */
public record ModelSpec(String model, String embeddings, String device, String jit, boolean channelsLast)
        implements Serializable {
    /** The prefix of a folder shipped with the job. */
    public static final String SPARK_FILES = "sparkfiles:";

    public ModelSpec {
        // parse now, on the driver: a typo fails the job before any task starts
        options(device, jit, channelsLast);
    }

    /** The built-in model with the default load options. */
    public static ModelSpec builtin() {
        return new ModelSpec(
                null,
                null,
                LoadOptions.DEFAULT.device().toString(),
                LoadOptions.DEFAULT.jit().name(),
                LoadOptions.DEFAULT.channelsLast());
    }

    /** A model folder (a path every executor sees, or {@code sparkfiles:NAME}) with the default load options. */
    public static ModelSpec folder(String model) {
        return builtin().withModel(model);
    }

    public ModelSpec withModel(String folder) {
        return new ModelSpec(folder, embeddings, device, jit, channelsLast);
    }

    public ModelSpec withEmbeddings(String folder) {
        return new ModelSpec(model, folder, device, jit, channelsLast);
    }

    public ModelSpec withLoadOptions(LoadOptions o) {
        return new ModelSpec(model, embeddings, o.device().toString(), o.jit().name(), o.channelsLast());
    }

    public LoadOptions loadOptions() {
        return options(device, jit, channelsLast);
    }

    /** The model folder as this JVM sees it; empty for the built-in model. */
    public Optional<Path> modelFolder() {
        return java.util.Optional.ofNullable(model).map(m -> locate(m, "model folder"));
    }

    /** The embeddings folder as this JVM sees it; empty when there is none. */
    public Optional<Path> embeddingsFolder() {
        return java.util.Optional.ofNullable(embeddings).map(e -> locate(e, "embeddings folder"));
    }

    /**
     * Ships a local folder to every executor of {@code spark} ({@code SparkContext.addFile(folder, true)})
     * and returns the location executors resolve it by: {@code sparkfiles:} and the folder's name.
     */
    public static String ship(org.apache.spark.SparkContext spark, Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new TorchsdException("cannot ship " + folder + ": not a folder");
        }
        spark.addFile(folder.toAbsolutePath().toString(), true);
        return SPARK_FILES + folder.getFileName();
    }

    /** A folder given as a path or {@code sparkfiles:NAME}, as this JVM sees it; fails when it is not a folder here. */
    static Path locate(String location, String what) {
        Path folder = location.startsWith(SPARK_FILES)
                ? Path.of(SparkFiles.get(location.substring(SPARK_FILES.length())))
                : Path.of(location);
        if (!Files.isDirectory(folder)) {
            throw new TorchsdException(
                    what + " " + location + (folder.toString().equals(location) ? "" : " (" + folder + ")")
                            + ": not a folder on this executor; use a path every executor sees, or ship it"
                            + " (--archives model.zip#NAME or SparkContext.addFile(folder, true)) and name it "
                            + SPARK_FILES + "NAME");
        }
        return folder;
    }

    private static LoadOptions options(String device, String jit, boolean channelsLast) {
        return LoadOptions.DEFAULT
                .withDevice(Device.parse(device))
                .withJit(JitMode.parse(jit, "jit"))
                .withChannelsLast(channelsLast);
    }
}
