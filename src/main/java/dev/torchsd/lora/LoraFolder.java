package dev.torchsd.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** A folder of LoRA files (and its subfolders), looked up by name as AUTOMATIC1111's {@code <lora:name:…>}: the file name without extension. */
public final class LoraFolder {
    private static final List<String> EXTENSIONS = List.of(".safetensors", ".pt", ".ckpt");

    private LoraFolder() {}

    /** The file called {@code name}; a LoraException lists the names the folder has. */
    public static Path find(Path folder, String name) {
        List<Path> files = files(folder);
        return files.stream()
                .filter(f -> LoraFile.stem(f).equals(name))
                .findFirst()
                .or(() -> files.stream()
                        .filter(f -> LoraFile.stem(f).equalsIgnoreCase(name))
                        .findFirst())
                .orElseThrow(() -> new LoraException("no LoRA named '" + name + "' in " + folder + "; it has "
                        + (files.isEmpty()
                                ? "no .safetensors, .pt or .ckpt file"
                                : files.stream().map(LoraFile::stem).sorted().toList())));
    }

    /** The LoRA files under {@code folder}, sorted. */
    public static List<Path> files(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new LoraException("LoRA folder not found: " + folder);
        }
        try (Stream<Path> walk = Files.walk(folder, 4)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> EXTENSIONS.stream()
                            .anyMatch(e -> f.getFileName()
                                    .toString()
                                    .toLowerCase(Locale.ROOT)
                                    .endsWith(e)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new LoraException(folder + ": cannot list: " + e.getMessage(), e);
        }
    }
}
