package dev.torchsd.lora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What a set of LoRA files does to a model, worked out and checked before any weight changes: every
 * file read, every module mapped to an export parameter ({@link KeyMap}) and its ΔW's shape worked
 * out to check that it fits. Refused (nothing applied): a file that matches nothing (its first keys
 * named), an SDXL file on another family, a ΔW whose shape does not fit, two modules of one file on
 * one parameter. A file that matches in part is applied in part, with a warning giving the counts.
 */
final class MergePlan {
    /** A parameter: the network and the export's name. */
    record Target(Part part, String parameter) {}

    /** One module's share of a parameter: ΔW times {@code factor} (multiplier × alpha / rank). */
    record Contribution(NetworkUse use, LoraModule module, double factor) {
        String signature() {
            return use + "#" + module.key();
        }
    }

    private final Map<Target, List<Contribution>> contributions;
    private final List<String> warnings;

    private MergePlan(Map<Target, List<Contribution>> contributions, List<String> warnings) {
        this.contributions = contributions;
        this.warnings = warnings;
    }

    Map<Target, List<Contribution>> contributions() {
        return contributions;
    }

    List<String> warnings() {
        return warnings;
    }

    /** The signature of what the plan adds to {@code target}: equal signatures, equal weights. */
    List<String> signature(Target target) {
        return contributions.getOrDefault(target, List.of()).stream()
                .map(Contribution::signature)
                .toList();
    }

    /**
     * @param keyMap the model's key map, read when a file is
     * @param shapes the model's LoRA-changeable parameters and their shapes, per network
     * @param family the manifest's family (sd1, sd2, sdxl)
     */
    static MergePlan build(
            List<NetworkUse> uses, Supplier<KeyMap> keyMap, Map<Part, Map<String, long[]>> shapes, String family) {
        Map<Target, List<Contribution>> contributions = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (NetworkUse use : uses) {
            if (!names.add(use.name())) {
                throw new LoraException("LoRA '" + use.name() + "' is given twice in one request");
            }
            if (use.textEncoderWeight() == 0 && use.unetWeight() == 0) {
                continue; // weight 0: the file is not even read, the weights stay the base model's
            }
            add(LoraReader.read(use.file()), use, keyMap.get(), shapes, family, contributions, warnings::add);
        }
        return new MergePlan(contributions, List.copyOf(warnings));
    }

    private static void add(
            LoraFile lora,
            NetworkUse use,
            KeyMap keyMap,
            Map<Part, Map<String, long[]>> shapes,
            String family,
            Map<Target, List<Contribution>> out,
            Consumer<String> warnings) {
        checkFamily(lora, family);
        List<String> unmatched = new ArrayList<>();
        Map<Target, LoraModule> mine = new LinkedHashMap<>();
        for (LoraModule m : lora.modules()) {
            String parameter = keyMap.parameter(m)
                    .filter(p -> shapes.get(m.part()).containsKey(p))
                    .orElse(null);
            if (parameter == null) {
                unmatched.add(m.key());
                continue;
            }
            Target target = new Target(m.part(), parameter);
            LoraModule other = mine.put(target, m);
            if (other != null) {
                throw new LoraException(lora.file() + ": modules '" + other.key() + "' and '" + m.key()
                        + "' both change " + m.part() + " parameter " + parameter + " (duplicate names)");
            }
        }
        if (mine.isEmpty()) {
            throw new LoraException(
                    lora.file() + ": none of its " + lora.modules().size() + " modules matches this " + family
                            + " model (a LoRA for another family?); first unmatched: " + first(unmatched));
        }
        if (!unmatched.isEmpty()) {
            warnings.accept("LoRA '" + use.name() + "': " + mine.size() + " of "
                    + lora.modules().size() + " modules match this model and are applied; not applied: "
                    + first(unmatched));
        }
        for (Map.Entry<Target, LoraModule> e : mine.entrySet()) {
            Target target = e.getKey();
            LoraModule m = e.getValue();
            double weight = use.weight(m.part());
            if (weight == 0) {
                continue;
            }
            checkFits(lora, m, target, shapes.get(m.part()).get(target.parameter()));
            out.computeIfAbsent(target, t -> new ArrayList<>()).add(new Contribution(use, m, weight * m.scale()));
        }
    }

    private static void checkFamily(LoraFile lora, String family) {
        boolean sdxl = lora.modules().stream().anyMatch(LoraModule::sdxlTextEncoder)
                || lora.metadata().getOrDefault("ss_base_model_version", "").startsWith("sdxl");
        boolean sd1TextEncoder =
                lora.modules().stream().anyMatch(m -> m.part() == Part.TEXT_ENCODER && !m.sdxlTextEncoder());
        if (!sdxl && family.startsWith("sdxl") && sd1TextEncoder) {
            throw new LoraException(
                    lora.file() + ": an SD 1.x/2.x LoRA (lora_te_ text-encoder keys, no lora_te1_/lora_te2_),"
                            + " this model is " + family + ": use a LoRA trained for SDXL");
        }
        if (sdxl && !family.equals("sdxl")) {
            List<String> keys = lora.modules().stream()
                    .filter(LoraModule::sdxlTextEncoder)
                    .map(LoraModule::key)
                    .toList();
            throw new LoraException(
                    lora.file() + ": an SDXL LoRA (lora_te1_/lora_te2_ keys or ss_base_model_version sdxl),"
                            + " this model is " + family + "; first unmatched: "
                            + first(
                                    keys.isEmpty()
                                            ? lora.modules().stream()
                                                    .map(LoraModule::key)
                                                    .toList()
                                            : keys));
        }
    }

    /** ΔW's shape is worked out here (on the meta device), so a shape that does not fit is refused before any weight changes. */
    static void checkFits(LoraFile lora, LoraModule m, Target target, long[] expected) {
        long size = Arrays.stream(expected).reduce(1, Math::multiplyExact);
        long[] found = DeltaWeight.shape(m, size);
        if (found[0] != expected[0] || Arrays.stream(found).reduce(1, Math::multiplyExact) != size) {
            throw new LoraException(lora.file() + ": module '" + m.key() + "' makes a ΔW of shape "
                    + Arrays.toString(found) + ", " + target.part() + " parameter " + target.parameter()
                    + " has shape " + Arrays.toString(expected));
        }
    }

    private static String first(List<String> keys) {
        return keys.stream().limit(5).collect(Collectors.joining(", "))
                + (keys.size() > 5 ? ", … (" + keys.size() + " in all)" : "");
    }
}
