package dev.torchsd.cli;

import dev.torchsd.bench.Machine;
import dev.torchsd.bench.ProcessCpu;
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
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd lora bench}: how long merging LoRA sets into a loaded model takes and what it costs in memory,
 * without generating. Each round: the base weights → set A (apply), A → B (switch), B → A (switch back),
 * A → the base weights (restore). Prints the medians of the wall-clock and the process's CPU seconds (user
 * and system: on a shared machine the CPU seconds are the more honest figure), the originals kept while a
 * set is merged, and how much the resident memory grows with A merged against the bytes of those copies.
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
            List<Phase> phases = List.of(
                    new Phase("apply A (from the base weights)", a),
                    new Phase("switch A -> B", b),
                    new Phase("switch B -> A", a),
                    new Phase("restore the base", List.of()));
            long keptA = 0;
            long keptBytesA = 0;
            long grownA = Long.MIN_VALUE;
            for (int round = 0; round < rounds; round++) {
                for (Phase phase : phases) {
                    phase.run(m, warnings);
                    if (phase == phases.get(0)) {
                        keptA = m.keptOriginals();
                        keptBytesA = m.keptOriginalBytes();
                        grownA = Math.max(grownA, ProcessMemory.now().residentBytes() - loaded.residentBytes());
                    }
                }
            }
            ProcessMemory after = ProcessMemory.now();
            warnings.stream().distinct().forEach(w -> out.println("warning: " + w));
            out.println("model: " + model.label());
            out.printf(Locale.ROOT, "set A: %s%nset B: %s%n", setA, setB);
            out.printf(Locale.ROOT, "machine: %s; load average %s%n", Machine.describe(), Machine.loadAverage());
            out.printf(
                    Locale.ROOT,
                    "libtorch threads %d, OMP_WAIT_POLICY=%s, OPENBLAS_NUM_THREADS=%s, THP_MEM_ALLOC_ENABLE=%s%n",
                    torch.get_num_threads(),
                    System.getenv("OMP_WAIT_POLICY"),
                    System.getenv("OPENBLAS_NUM_THREADS"),
                    System.getenv("THP_MEM_ALLOC_ENABLE"));
            phases.forEach(phase -> out.println(phase.report()));
            out.printf(Locale.ROOT, "originals kept while A is merged: %d tensors, %.1f MB%n", keptA, keptBytesA / 1e6);
            out.printf(
                    Locale.ROOT,
                    "memory growth with A merged: %+.1f MB resident (at most, over the rounds) for %.1f MB of touched"
                            + " tensors' copies (%.2fx)%n",
                    grownA / 1e6,
                    keptBytesA / 1e6,
                    keptBytesA == 0 ? 0 : grownA / (double) keptBytesA);
            out.printf(
                    Locale.ROOT,
                    "resident memory: %.1f MB loaded, %.1f MB after restoring (%+.1f MB), peak %.1f MB%n",
                    loaded.residentBytes() / 1e6,
                    after.residentBytes() / 1e6,
                    (after.residentBytes() - loaded.residentBytes()) / 1e6,
                    after.peakResidentBytes() / 1e6);
            out.printf("kept after restoring: %d tensors%n", m.keptOriginals());
        }
        return 0;
    }

    /** One kind of merge, timed each round: wall-clock seconds and the process's CPU seconds. */
    private static final class Phase {
        final String name;
        final List<NetworkUse> set;
        final List<Double> seconds = new ArrayList<>();
        final List<ProcessCpu> cpu = new ArrayList<>();

        Phase(String name, List<NetworkUse> set) {
            this.name = name;
            this.set = set;
        }

        void run(Model m, List<String> warnings) {
            ProcessCpu cpuStart = ProcessCpu.now();
            long start = System.nanoTime();
            merge(m, set, warnings);
            seconds.add((System.nanoTime() - start) / 1e9);
            cpu.add(ProcessCpu.now().minus(cpuStart));
        }

        String report() {
            return String.format(
                    Locale.ROOT,
                    "%-32s median %.3f s, CPU %.2f s (user %.2f + sys %.2f)  (rounds: %s; CPU: %s)",
                    name,
                    BenchTraceCommand.median(seconds),
                    BenchTraceCommand.median(total(cpu)),
                    BenchTraceCommand.median(
                            cpu.stream().map(ProcessCpu::userSeconds).toList()),
                    BenchTraceCommand.median(
                            cpu.stream().map(ProcessCpu::systemSeconds).toList()),
                    list(seconds),
                    list(total(cpu)));
        }

        private static List<Double> total(List<ProcessCpu> cpu) {
            return cpu.stream().map(c -> c.userSeconds() + c.systemSeconds()).toList();
        }
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

    private static String list(List<Double> values) {
        return String.join(
                ", ",
                values.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList());
    }
}
