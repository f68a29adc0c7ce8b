package dev.torchsd.cli;

import dev.torchsd.bench.ProcessMemory;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.lora.NetworkUse;
import dev.torchsd.model.Model;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd lora bench}: how long merging LoRA sets into a loaded model takes and what it costs in memory,
 * without generating. Each round: the base weights → set A (apply), A → B (switch), B → A (switch back),
 * A → the base weights (restore). Prints the medians, the originals kept while a set is merged and the
 * process's resident memory.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Time applying, switching and removing LoRA sets on a loaded model (no generation), and their memory.",
            "A full-size SD 1.5 stand-in and rank-32 files with its real module names (docs/lora.md):",
            "  ./cppbuild.sh sd15 DIR CLIP_DIR",
            "  python3 native/tests/lora_files.py make lora DIR a.safetensors --rank 32 --seed 1"
        })
public final class LoraBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--set-a", required = true, paramLabel = "FILE", description = "the LoRA file(s) of set A")
    List<Path> setA;

    @Option(names = "--set-b", required = true, paramLabel = "FILE", description = "the LoRA file(s) of set B")
    List<Path> setB;

    @Option(names = "--rounds", defaultValue = "3", description = "measured rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Override
    public Integer call() {
        if (rounds < 1) {
            throw new TorchsdException("--rounds must be at least 1, got " + rounds);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<NetworkUse> a = uses(setA);
        List<NetworkUse> b = uses(setB);
        List<String> warnings = new ArrayList<>();
        try (Model m = model.openModel(spec.commandLine().getErr());
                Model.Use use = m.use()) {
            ProcessMemory loaded = ProcessMemory.now();
            List<List<Double>> seconds =
                    List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            long keptA = 0;
            long keptBytesA = 0;
            long peak = 0;
            for (int round = 0; round < rounds; round++) {
                seconds.get(0).add(time(() -> merge(m, a, warnings)));
                keptA = m.keptOriginals();
                keptBytesA = m.keptOriginalBytes();
                peak = Math.max(peak, ProcessMemory.now().residentBytes());
                seconds.get(1).add(time(() -> merge(m, b, warnings)));
                seconds.get(2).add(time(() -> merge(m, a, warnings)));
                seconds.get(3).add(time(() -> merge(m, List.of(), warnings)));
            }
            ProcessMemory after = ProcessMemory.now();
            warnings.stream().distinct().forEach(w -> out.println("warning: " + w));
            out.println("model: " + model.label());
            out.printf(Locale.ROOT, "set A: %s%nset B: %s%n", setA, setB);
            String[] names = {"apply A (from the base weights)", "switch A -> B", "switch B -> A", "restore the base"};
            for (int i = 0; i < names.length; i++) {
                out.printf(
                        Locale.ROOT,
                        "%-32s median %.3f s  (rounds: %s)%n",
                        names[i],
                        BenchTraceCommand.median(seconds.get(i)),
                        list(seconds.get(i)));
            }
            out.printf(Locale.ROOT, "originals kept while A is merged: %d tensors, %.1f MB%n", keptA, keptBytesA / 1e6);
            out.printf(
                    Locale.ROOT,
                    "resident memory: %.1f MB loaded, %.1f MB at most with A merged, %.1f MB after restoring (peak"
                            + " %.1f MB)%n",
                    loaded.residentBytes() / 1e6,
                    peak / 1e6,
                    after.residentBytes() / 1e6,
                    after.peakResidentBytes() / 1e6);
            out.printf("kept after restoring: %d tensors%n", m.keptOriginals());
        }
        return 0;
    }

    /** Merges {@code set} (a switch when another is merged) and runs nothing on it. */
    private static void merge(Model m, List<NetworkUse> set, List<String> warnings) {
        m.withNetworks(set, warnings::add, () -> Boolean.TRUE);
    }

    private static List<NetworkUse> uses(List<Path> files) {
        return files.stream()
                .map(f -> NetworkUse.of(f, f.getFileName().toString(), 1, 1))
                .toList();
    }

    private static double time(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static String list(List<Double> values) {
        return String.join(
                ", ",
                values.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList());
    }
}
