package dev.torchsd.pipeline;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A LoRA / LyCORIS file to merge for one request, with its text-encoder and U-Net multipliers
 * (AUTOMATIC1111's {@code <lora:name:te:unet>}; {@link #of(Path, double)} uses one weight for both).
 * docs/lora.md lists the formats read.
 */
public record LoraWeight(Path file, double textEncoderWeight, double unetWeight) {
    public LoraWeight {
        Objects.requireNonNull(file, "file");
    }

    /** {@code file} with {@code weight} for both networks. */
    public static LoraWeight of(Path file, double weight) {
        return new LoraWeight(file, weight, weight);
    }

    /** The name prompts and infotexts use: the file name without its extension. */
    public String name() {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
