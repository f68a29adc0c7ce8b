package dev.torchsd.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The networks a request adds to the model: LoRA files given directly, the folder where the
 * prompt's {@code <lora:name:…>} tags are looked up, and (in a resolved request) the short hashes
 * of every LoRA used, for the infotext's {@code Lora hashes}.
 */
public final class ExtraNetworks {
    /** No LoRA, no folder. */
    public static final ExtraNetworks NONE = new ExtraNetworks(List.of(), null, Map.of());

    private final List<LoraWeight> loras;
    private final Path loraFolder;
    private final Map<String, String> hashes;

    private ExtraNetworks(List<LoraWeight> loras, Path loraFolder, Map<String, String> hashes) {
        this.loras = List.copyOf(loras);
        this.loraFolder = loraFolder;
        this.hashes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hashes));
    }

    /**
     * LoRA files given directly, in order.
     *
     * @return the files and their weights, unmodifiable
     */
    public List<LoraWeight> loras() {
        return loras;
    }

    /**
     * The folder of {@code <lora:name:…>} tags' files, if set.
     *
     * @return the folder, or empty when tags cannot be looked up
     */
    public Optional<Path> loraFolder() {
        return Optional.ofNullable(loraFolder);
    }

    /**
     * LoRA name → AUTOMATIC1111's short hash, filled in when the request is resolved.
     *
     * @return the hashes by name, unmodifiable; empty before the request is resolved
     */
    public Map<String, String> hashes() {
        return hashes;
    }

    /**
     * These networks with one more LoRA file, applied after the others.
     *
     * @param lora the file and its weights
     * @return a new value; this one is unchanged
     */
    public ExtraNetworks withLora(LoraWeight lora) {
        List<LoraWeight> more = new ArrayList<>(loras);
        more.add(Objects.requireNonNull(lora, "lora"));
        return new ExtraNetworks(more, loraFolder, hashes);
    }

    /**
     * These networks with another folder for the prompt's {@code <lora:name:…>} tags.
     *
     * @param folder a folder of LoRA files, or null for none
     * @return a new value; this one is unchanged
     */
    public ExtraNetworks withLoraFolder(Path folder) {
        return new ExtraNetworks(loras, folder, hashes);
    }

    /**
     * These networks with the short hashes of the LoRA files used (set when a request is resolved).
     *
     * @param nameToHash AUTOMATIC1111's short hash of each LoRA, by name
     * @return a new value; this one is unchanged
     */
    public ExtraNetworks withHashes(Map<String, String> nameToHash) {
        return new ExtraNetworks(loras, loraFolder, nameToHash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExtraNetworks e
                && loras.equals(e.loras)
                && Objects.equals(loraFolder, e.loraFolder)
                && hashes.equals(e.hashes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(loras, loraFolder, hashes);
    }

    @Override
    public String toString() {
        return "ExtraNetworks[loras=" + loras + ", loraFolder=" + loraFolder + ", hashes=" + hashes + "]";
    }
}
