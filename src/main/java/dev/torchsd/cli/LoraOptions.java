package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --lora FILE[:WEIGHT[:UNET_WEIGHT]]} (repeatable) and {@code --lora-dir DIR} for the prompt's {@code <lora:name:…>} tags. */
final class LoraOptions {
    @Option(
            names = "--lora",
            paramLabel = "FILE[:WEIGHT[:UNET_WEIGHT]]",
            converter = LoraArgument.Converter.class,
            description =
                    "merge a LoRA / LyCORIS file (.safetensors, .pt) for this generation: WEIGHT (default 1) for the"
                            + " text encoder and the U-Net, or UNET_WEIGHT for the U-Net; repeatable (docs/lora.md)")
    List<LoraWeight> loras = new ArrayList<>();

    @Option(
            names = "--lora-dir",
            paramLabel = "DIR",
            description =
                    "folder of LoRA files for the prompt's <lora:name:te[:unet]> tags (with --prompt-syntax a1111)")
    Path folder;

    /** Adds the options' LoRA files and folder to {@code request}. */
    GenerationRequest.Builder addTo(GenerationRequest.Builder request) {
        loras.forEach(request::lora);
        if (folder != null) {
            request.loraFolder(folder);
        }
        return request;
    }
}
