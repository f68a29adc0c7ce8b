package dev.torchsd.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the rows' files are looked up: the LoRA folder of the {@code loras} column's names, and the
 * folder the {@code init_image} column's paths are relative to. Each is a path every executor sees
 * or {@code sparkfiles:NAME} for one shipped with the job (as {@link ModelSpec}'s folders), or null
 * for none; a row that needs a missing one fails alone. Not part of the model's key: jobs with other
 * folders share the executor's model.
 *
 * @param loras  the LoRA folder (.safetensors, .pt, .ckpt; subfolders searched), or null
 * @param images the init images' folder, or null (rows may still carry PNG bytes)
 */
public record InputFolders(String loras, String images) implements Serializable {
    /** No LoRA folder, no image folder. */
    public static final InputFolders NONE = new InputFolders(null, null);

    public InputFolders withLoras(String folder) {
        return new InputFolders(folder, images);
    }

    public InputFolders withImages(String folder) {
        return new InputFolders(loras, folder);
    }

    /** The LoRA folder as this JVM sees it; empty when the job has none. */
    public Optional<Path> loraFolder() {
        return Optional.ofNullable(loras).map(f -> ModelSpec.locate(f, "LoRA folder"));
    }

    /** The images folder as this JVM sees it; empty when the job has none. */
    public Optional<Path> imageFolder() {
        return Optional.ofNullable(images).map(f -> ModelSpec.locate(f, "images folder"));
    }
}
