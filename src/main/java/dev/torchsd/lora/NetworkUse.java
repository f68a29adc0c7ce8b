package dev.torchsd.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One LoRA file in a request's set with its two multipliers. Two uses are equal when they name the
 * same file, unchanged (size and modification time), with the same multipliers: an equal set needs
 * no re-merge.
 */
public record NetworkUse(
        Path file, String name, double textEncoderWeight, double unetWeight, long size, long modified) {

    /** A use of {@code file} as it is now on disk. */
    public static NetworkUse of(Path file, String name, double textEncoderWeight, double unetWeight) {
        try {
            return new NetworkUse(
                    file.toAbsolutePath().normalize(),
                    name,
                    textEncoderWeight,
                    unetWeight,
                    Files.size(file),
                    Files.getLastModifiedTime(file).toMillis());
        } catch (IOException e) {
            throw new LoraException(file + ": LoRA file not found or not readable (" + e.getMessage() + ")", e);
        }
    }

    public double weight(Part part) {
        return part == Part.UNET ? unetWeight : textEncoderWeight;
    }
}
