package dev.torchsd.pipeline;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A LoRA / LyCORIS file to merge for one request, with its text-encoder and U-Net multipliers
 * (AUTOMATIC1111's {@code <lora:name:te:unet>}; {@link #of(Path, double)} uses one weight for both).
 * docs/lora.md lists the formats read.
 *
 * @param file              the LoRA file (.safetensors, .pt, .ckpt)
 * @param textEncoderWeight the multiplier of its text-encoder part (0 = off)
 * @param unetWeight        the multiplier of its U-Net part (0 = off)
 */
public record LoraWeight(Path file, double textEncoderWeight, double unetWeight) {
    /**
     * Checks the file is given.
     *
     * @param file              the LoRA file
     * @param textEncoderWeight the multiplier of its text-encoder part
     * @param unetWeight        the multiplier of its U-Net part
     */
    public LoraWeight {
        Objects.requireNonNull(file, "file");
    }

    /**
     * {@code file} with {@code weight} for both networks.
     *
     * @param file   the LoRA file
     * @param weight the multiplier of both its parts
     * @return the LoRA and its weights
     */
    public static LoraWeight of(Path file, double weight) {
        return new LoraWeight(file, weight, weight);
    }

    /**
     * The name prompts and infotexts use: the file name without its extension.
     *
     * @return the name
     */
    public String name() {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
