package dev.torchsd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a benchmark ran on: CPU model and the vector units that decide its speed (AVX-512 and AMX make
 * bf16 several times faster than float32), cores, OS and how busy the machine was (Linux's load average).
 */
public final class Machine {
    private Machine() {}

    public static String describe() {
        return String.format(
                Locale.ROOT,
                "%s (%s), %d cores, %s %s, Java %s",
                cpuModel(),
                vectorUnits(cpuFlags()),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("java.version"));
    }

    /** Linux's CPU flags that matter for our kernels, with the names Intel's manuals give them. */
    private static final Map<String, String> VECTOR_UNITS = new LinkedHashMap<>();

    static {
        VECTOR_UNITS.put("avx2", "AVX2");
        VECTOR_UNITS.put("avx512f", "AVX-512");
        VECTOR_UNITS.put("avx512_bf16", "AVX-512 BF16");
        VECTOR_UNITS.put("avx512_fp16", "AVX-512 FP16");
        VECTOR_UNITS.put("amx_bf16", "AMX-BF16");
    }

    static String cpuModel() {
        String model = cpuInfo("model name");
        return model.isEmpty() ? System.getProperty("os.arch") : model;
    }

    /** The first CPU's flags from /proc/cpuinfo (empty where there is none). */
    static Set<String> cpuFlags() {
        return Set.copyOf(Arrays.asList(cpuInfo("flags").split("\\s+"))); // copyOf: duplicates allowed
    }

    /** The vector units among {@code flags}, e.g. "AVX2, AVX-512, AVX-512 BF16, AMX-BF16", or "no AVX2". */
    static String vectorUnits(Set<String> flags) {
        List<String> found = new ArrayList<>();
        VECTOR_UNITS.forEach((flag, name) -> {
            if (flags.contains(flag)) {
                found.add(name);
            }
        });
        return found.isEmpty() ? "no AVX2" : String.join(", ", found);
    }

    private static String cpuInfo(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(field) && line.contains(":")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "";
    }

    /** The 1-, 5- and 15-minute load averages, or "unknown". */
    public static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
