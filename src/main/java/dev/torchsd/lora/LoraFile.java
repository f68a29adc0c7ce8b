package dev.torchsd.lora;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A LoRA / LyCORIS file as read: its modules and metadata ({@link LoraReader} reads it).
 *
 * @param naming how modules are named: {@code kohya} ({@code lora_unet_…}) or {@code PEFT} ({@code unet.…})
 */
public record LoraFile(Path file, String naming, List<LoraModule> modules, Map<String, String> metadata) {

    /** The name a prompt uses: the file name without its extension. */
    public String name() {
        return stem(file);
    }

    /** The format, e.g. {@code kohya LoRA}, {@code kohya LoCon}, {@code LyCORIS LoHa}, {@code PEFT LoRA}. */
    public String format() {
        Set<String> kinds = new LinkedHashSet<>();
        for (LoraModule m : modules) {
            kinds.add(
                    switch (m.kind()) {
                        case LORA -> isConv(m) ? "LoCon" : "LoRA";
                        case LOHA -> "LoHa";
                        case LOKR -> "LoKr";
                    });
        }
        if (kinds.contains("LoCon")) {
            kinds.remove("LoRA");
        }
        String prefix = naming.equals("PEFT")
                ? "PEFT "
                : kinds.contains("LoHa") || kinds.contains("LoKr") ? "LyCORIS " : "kohya ";
        return prefix + String.join(" + ", kinds);
    }

    /** The ranks of the modules, sorted. */
    public Set<Long> ranks() {
        Set<Long> ranks = new TreeSet<>();
        modules.forEach(m -> ranks.add(m.rank()));
        return ranks;
    }

    /** The stored alphas, sorted ({@code none} where a module has none). */
    public Set<String> alphas() {
        Set<String> alphas = new TreeSet<>();
        modules.forEach(m -> alphas.add(m.alpha().map(String::valueOf).orElse("none")));
        return alphas;
    }

    private static boolean isConv(LoraModule m) {
        long[] down = m.tensor("lora_down.weight").shape();
        return m.has("lora_mid.weight") || (down.length == 4 && (down[2] != 1 || down[3] != 1));
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
