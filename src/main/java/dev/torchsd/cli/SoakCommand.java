package dev.torchsd.cli;

import dev.torchsd.Embedding;
import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.scheduler.Schedulers;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Pointer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd soak}: many generations in one JVM with mixed sizes, batch sizes, schedulers and
 * negative-prompt windows, measuring after a warm-up that native memory, the Java heap and the
 * count of live JavaCPP pointers stay flat. Exits with 1 when any grows by more than the limit.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run many mixed generations and check that memory stays flat after a warm-up.",
            "The prompts use the tokens of the --embedding files in turn."
        })
public final class SoakCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--generations", defaultValue = "100", description = "measured generations (default: 100)")
    int generations;

    @Option(
            names = "--warmup",
            defaultValue = "50",
            description = "generations before the first measurement (default: 50)")
    int warmup;

    /** Few steps: the soak is about memory over many generations, not about the images. */
    @Mixin
    StepsOption steps = new StepsOption(4);

    @Option(names = "--limit", defaultValue = "1.0", description = "allowed growth in percent (default: 1.0)")
    double limitPercent;

    private List<String> tokens = List.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> schedulers = Schedulers.names();
        try (StableDiffusion sd = model.open(spec.commandLine().getErr())) {
            tokens = sd.textualInversions().stream().map(Embedding::token).toList();
            int unit = sd.info().vaeScaleFactor() * 8;
            int base = Math.max(64, unit);
            for (int i = 0; i < warmup; i++) {
                sd.generate(request(i, schedulers, base));
            }
            out.printf(Locale.ROOT, "after %d warm-up generations: %s%n", warmup, Memory.now());
            List<Memory> checkpoints = new ArrayList<>();
            for (int i = 0; i < generations; i++) {
                sd.generate(request(warmup + i, schedulers, base));
                if ((i + 1) % 10 == 0 || i + 1 == generations) {
                    Memory m = Memory.now();
                    checkpoints.add(m);
                    out.printf(Locale.ROOT, "after %d generations: %s%n", warmup + i + 1, m);
                    out.flush();
                }
            }
            // Resident memory wobbles by a few percent as malloc's arenas grow and shrink: compare the mean of the
            // first half of the checkpoints with the mean of the second half.
            int half = Math.max(1, checkpoints.size() / 2);
            Memory early = Memory.mean(checkpoints.subList(0, half));
            Memory late = Memory.mean(checkpoints.subList(checkpoints.size() - half, checkpoints.size()));
            double nativeGrowth = 100.0 * (late.nativeBytes - early.nativeBytes) / early.nativeBytes;
            double heapGrowth = 100.0 * (late.heapBytes - early.heapBytes) / early.heapBytes;
            long pointerGrowth = checkpoints.get(checkpoints.size() - 1).pointers - checkpoints.get(0).pointers;
            boolean flat = nativeGrowth < limitPercent && heapGrowth < limitPercent && pointerGrowth <= 0;
            out.printf(
                    Locale.ROOT,
                    "growth over %d generations (mean of the last %d checkpoints vs the first %d): native %+.2f %%,"
                            + " heap %+.2f %%, JavaCPP pointers %+d: %s%n",
                    generations,
                    half,
                    half,
                    nativeGrowth,
                    heapGrowth,
                    pointerGrowth,
                    flat ? "flat (limit " + limitPercent + " %)" : "GROWING (limit " + limitPercent + " %)");
            return flat ? 0 : 1;
        }
    }

    /** A different request each time: sizes, batch, scheduler, guidance and negative window all vary. */
    private GenerationRequest request(int i, List<String> schedulers, int base) {
        int[][] sizes = {{base, base}, {base, base + base / 2}, {base * 2, base}, {base * 2, base * 2}};
        int[] size = sizes[i % sizes.length];
        String token = tokens.isEmpty() ? "" : tokens.get(i % tokens.size());
        GenerationRequest r = GenerationRequest.of(
                        (i % 2 == 0 ? "a red circle on the left " : "a blue star, dotted ") + (i % 3 == 1 ? token : ""))
                .withNegativePrompt(i % 3 == 0 ? "" : "green background " + token)
                .withSeed(i)
                .withSteps(steps.steps)
                .withSize(size[0], size[1])
                .withBatchSize(1 + i % 2)
                .withScheduler(schedulers.get(i % schedulers.size()))
                .withGuidanceScale(i % 5 == 0 ? 1.0 : 7.5);
        return i % 4 == 1 ? r.withNegativeStart(StepPoint.fraction(0.5)) : r;
    }

    /** Resident memory outside the Java heap, the heap in use after a GC, and the live JavaCPP pointers. */
    private record Memory(long nativeBytes, long heapBytes, long pointers) {
        static Memory now() {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long heapUsed = rt.totalMemory() - rt.freeMemory();
            return new Memory(Pointer.physicalBytes() - rt.totalMemory(), heapUsed, Pointer.totalCount());
        }

        static Memory mean(List<Memory> list) {
            return new Memory(
                    (long) list.stream()
                            .mapToLong(Memory::nativeBytes)
                            .average()
                            .orElse(0),
                    (long) list.stream().mapToLong(Memory::heapBytes).average().orElse(0),
                    (long) list.stream().mapToLong(Memory::pointers).average().orElse(0));
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "native %.1f MB, heap in use %.1f MB, %d JavaCPP pointers",
                    nativeBytes / 1e6,
                    heapBytes / 1e6,
                    pointers);
        }
    }
}
