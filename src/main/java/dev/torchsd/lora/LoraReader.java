package dev.torchsd.lora;

import dev.torchsd.embedding.DType;
import dev.torchsd.embedding.EmbeddingException;
import dev.torchsd.embedding.SafetensorsFile;
import dev.torchsd.embedding.StoredTensor;
import dev.torchsd.embedding.TorchArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads LoRA and LyCORIS files without running code: {@code .safetensors} through
 * {@link SafetensorsFile}, {@code .pt}/{@code .ckpt} through the restricted unpickler
 * ({@link TorchArchive}); the container is recognised by content. Keys are kohya's
 * ({@code lora_unet_<path>.<suffix>}, {@code lora_te_…}, SDXL's {@code lora_te1_}/{@code lora_te2_}) or
 * PEFT's ({@code unet.<path>.lora_A.weight}, {@code text_encoder.…}, an optional {@code .alpha}:
 * diffusers' network alphas). Every value must be finite; unknown suffixes (DoRA's
 * {@code dora_scale}, full {@code diff} weights) are refused by name.
 */
public final class LoraReader {
    private static final Pattern KOHYA = Pattern.compile("(lora_unet|lora_te[12]?)_([^.]+)\\.(.+)");
    private static final Pattern PEFT =
            Pattern.compile("(unet|text_encoder(?:_2)?)\\.(.+)\\.(lora_[AB]\\.weight|alpha)");
    private static final Set<String> SUFFIXES = Set.of(
            "lora_up.weight",
            "lora_down.weight",
            "lora_mid.weight",
            "alpha",
            "hada_w1_a",
            "hada_w1_b",
            "hada_w2_a",
            "hada_w2_b",
            "hada_t1",
            "hada_t2",
            "lokr_w1",
            "lokr_w1_a",
            "lokr_w1_b",
            "lokr_w2",
            "lokr_w2_a",
            "lokr_w2_b",
            "lokr_t2");

    private LoraReader() {}

    public static LoraFile read(Path file) {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = readTensors(file, tensors);
        if (tensors.isEmpty()) {
            throw new LoraException(file + ": not a LoRA file: it holds no tensors");
        }
        Map<String, Map<String, StoredTensor>> grouped = new LinkedHashMap<>();
        Map<String, String[]> where = new LinkedHashMap<>(); // module key -> {prefix, path}
        String naming = null;
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            String[] parsed = parse(e.getKey());
            if (parsed == null) {
                unknown.add(e.getKey());
                continue;
            }
            String style = parsed[0].startsWith("lora_") ? "kohya" : "PEFT";
            if (naming != null && !naming.equals(style)) {
                throw new LoraException(
                        file + ": mixes kohya (lora_unet_…) and PEFT (unet.…) key names; found '" + e.getKey() + "'");
            }
            naming = style;
            String moduleKey = style.equals("kohya") ? parsed[0] + "_" + parsed[1] : parsed[0] + "." + parsed[1];
            grouped.computeIfAbsent(moduleKey, k -> new LinkedHashMap<>()).put(parsed[2], checked(file, e.getValue()));
            where.put(moduleKey, parsed);
        }
        if (grouped.isEmpty()) {
            throw new LoraException(file + ": not a LoRA file: " + Describe.keys(tensors.keySet()));
        }
        if (!unknown.isEmpty()) {
            throw new LoraException(
                    file + ": " + unknown.size() + " keys are neither kohya (lora_unet_…, lora_te_…) nor"
                            + " PEFT (unet.…, text_encoder.…) LoRA keys, e.g. '" + unknown.get(0) + "'");
        }
        List<LoraModule> modules = new ArrayList<>();
        for (Map.Entry<String, Map<String, StoredTensor>> e : grouped.entrySet()) {
            String[] parsed = where.get(e.getKey());
            modules.add(module(file, e.getKey(), parsed[0], parsed[1], e.getValue()));
        }
        return new LoraFile(file, naming, List.copyOf(modules), metadata);
    }

    /** {prefix, path, suffix} of a key, or null; PEFT suffixes become kohya's, PEFT paths get kohya's {@code _}. */
    private static String[] parse(String key) {
        Matcher k = KOHYA.matcher(key);
        if (k.matches()) {
            return new String[] {k.group(1), k.group(2), k.group(3)};
        }
        Matcher p = PEFT.matcher(key);
        if (p.matches()) {
            String suffix = switch (p.group(3)) {
                case "lora_A.weight" -> "lora_down.weight";
                case "lora_B.weight" -> "lora_up.weight";
                default -> "alpha";
            };
            return new String[] {p.group(1), p.group(2).replace('.', '_'), suffix};
        }
        return null;
    }

    private static LoraModule module(
            Path file, String key, String prefix, String path, Map<String, StoredTensor> tensors) {
        for (String suffix : tensors.keySet()) {
            if (!SUFFIXES.contains(suffix)) {
                String what = suffix.startsWith("dora_") ? " (DoRA is not supported)" : "";
                throw new LoraException(file + ": module '" + key + "' has a '" + suffix + "' tensor" + what
                        + "; supported: " + new java.util.TreeSet<>(SUFFIXES));
            }
        }
        LoraModule.Kind kind = tensors.containsKey("lora_up.weight") || tensors.containsKey("lora_down.weight")
                ? LoraModule.Kind.LORA
                : tensors.containsKey("hada_w1_a") || tensors.containsKey("hada_w1_b")
                        ? LoraModule.Kind.LOHA
                        : LoraModule.Kind.LOKR;
        for (String required : kind.required()) {
            if (!tensors.containsKey(required)) {
                throw new LoraException(
                        file + ": module '" + key + "' has no '" + required + "'; it has " + tensors.keySet());
            }
        }
        if (kind == LoraModule.Kind.LOKR
                && (!(tensors.containsKey("lokr_w1") || tensors.containsKey("lokr_w1_a"))
                        || !(tensors.containsKey("lokr_w2") || tensors.containsKey("lokr_w2_a")))) {
            throw new LoraException(
                    file + ": module '" + key + "' is not a complete LoKr module (lokr_w1 or lokr_w1_a/b,"
                            + " and lokr_w2 or lokr_w2_a/b); it has " + tensors.keySet());
        }
        if (tensors.containsKey("alpha") && tensors.get("alpha").elementCount() != 1) {
            throw new LoraException(file + ": " + key + ".alpha must be one number, found shape "
                    + java.util.Arrays.toString(tensors.get("alpha").shape()));
        }
        Part part = prefix.equals("lora_unet") || prefix.equals("unet")
                ? Part.UNET
                : prefix.endsWith("2") ? Part.TEXT_ENCODER_2 : Part.TEXT_ENCODER;
        return new LoraModule(key, part, path, kind, Map.copyOf(tensors));
    }

    private static StoredTensor checked(Path file, StoredTensor t) {
        if (!t.dtype().isDecodable()) {
            throw new LoraException(file + ": tensor '" + t.name() + "' is "
                    + t.dtype().torchName() + "; LoRA weights must be float32, float16 or bfloat16");
        }
        if (!allFinite(t)) {
            throw new LoraException(file + ": tensor '" + t.name() + "' holds NaN or infinite values; refusing it");
        }
        return t;
    }

    /**
     * Whether every value is finite, from the stored bits without decoding them: a value is NaN or
     * infinite exactly when its exponent bits are all ones. They lie in each element's last two
     * (little-endian) bytes: float32 and bfloat16 {@code 0x7f80} of them, float16 {@code 0x7c00}.
     */
    private static boolean allFinite(StoredTensor t) {
        byte[] data = t.data();
        int size = t.dtype().byteSize();
        int exponent = t.dtype() == DType.F16 ? 0x7c00 : 0x7f80;
        for (int i = size - 2; i < data.length; i += size) {
            if ((((data[i] & 0xff) | (data[i + 1] & 0xff) << 8) & exponent) == exponent) {
                return false;
            }
        }
        return true;
    }

    /** Fills {@code tensors} from the file; returns the safetensors metadata (empty for torch files). */
    private static Map<String, String> readTensors(Path file, Map<String, StoredTensor> tensors) {
        if (!Files.isRegularFile(file)) {
            throw new LoraException(file + ": file not found");
        }
        try {
            byte[] start = SafetensorsFile.firstBytes(file, 16);
            boolean torchFile = !SafetensorsFile.looksLikeSafetensors(start) // a header length may start with 0x80
                    && start.length >= 2
                    && ((start[0] == 'P' && start[1] == 'K') || (start[0] & 0xff) == 0x80);
            if (!torchFile) {
                SafetensorsFile safetensors = SafetensorsFile.open(file);
                for (String name : safetensors.names()) {
                    tensors.put(name, safetensors.read(name));
                }
                return safetensors.metadata();
            }
            Object root = TorchArchive.load(file);
            if (root instanceof Map<?, ?> dict && dict.get("state_dict") instanceof Map<?, ?> inner) {
                root = inner;
            }
            if (!(root instanceof Map<?, ?> dict)) {
                throw new LoraException(file + ": not a LoRA file: the torch file holds "
                        + (root == null ? "nothing" : root.getClass().getSimpleName())
                        + ", expected a dict of tensors");
            }
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (e.getKey() instanceof String name && e.getValue() instanceof StoredTensor t) {
                    tensors.put(name, t);
                } else {
                    throw new LoraException(file + ": not a LoRA file: entry '" + e.getKey() + "' is not a tensor");
                }
            }
            return Map.of();
        } catch (EmbeddingException e) {
            throw new LoraException(e.getMessage(), e);
        } catch (IOException e) {
            throw new LoraException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
