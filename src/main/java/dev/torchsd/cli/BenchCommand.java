package dev.torchsd.cli;

import dev.torchsd.bench.GemmRate;
import dev.torchsd.bench.Machine;
import dev.torchsd.bench.ProcessCpu;
import dev.torchsd.bench.ProcessMemory;
import dev.torchsd.bench.StepClock;
import dev.torchsd.bench.UNetFlops;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.generation.Pipeline;
import dev.torchsd.model.Model;
import dev.torchsd.model.NetworkTime;
import dev.torchsd.model.TextEncoder;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.runtime.LoadOptions;
import dev.torchsd.tensor.LibTorch;
import java.io.PrintWriter;
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
 * {@code torchsd bench}: how fast and how lean generation runs on this machine. Loads the model
 * (timing the load and the first step), runs warm-up generations, then measured ones, and prints
 * medians: seconds per step, the time inside each network against the whole (the rest is the Java
 * side's overhead), memory after every generation, and the U-Net's distance from the floor
 * (its operations over this machine's matrix-multiply rate). The method is in docs/performance.md.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure generation speed and memory on this machine (docs/performance.md).",
            "A full-size SD 1.5 with random weights for --model:",
            "  ./cppbuild.sh sd15 DIR CLIP_DIR && ./cppbuild.sh fuse-attention DIR"
        })
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    SizeOptions size;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    GuidanceOption guidance;

    @Mixin
    GuidanceWindowOptions cfg;

    @Mixin
    DeepCacheOption deepCache;

    @Mixin
    TokenMergingOption tokenMerging;

    @Mixin
    VaeTilingOption vaeTiling;

    @Option(
            names = "--warmup",
            defaultValue = "1",
            description = "generations before measuring (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", description = "measured generations (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "libtorch intra-op threads (default: libtorch's choice)")
    int threads;

    @Option(
            names = "--gemm-size",
            defaultValue = "2048",
            description =
                    "n of the n x n matrix multiply that measures the floor; 0 skips the floor (default: ${DEFAULT-VALUE})")
    int gemmSize;

    @Option(
            names = "--batch-sizes",
            split = ",",
            paramLabel = "N",
            defaultValue = "1",
            description = "images per generation; several (1,2,4) are measured one after the other in this JVM"
                    + " and compared in seconds per image (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Override
    public Integer call() {
        int steps = sampling.steps();
        if (steps < 2 || runs < 1 || warmup < 0) {
            throw new TorchsdException("bench needs --steps >= 2, --runs >= 1 and --warmup >= 0");
        }
        if (batchSizes.stream().anyMatch(b -> b < 1)) {
            throw new TorchsdException("bench needs --batch-sizes >= 1, got " + batchSizes);
        }
        PrintWriter out = spec.commandLine().getOut();
        LibTorch.ensureLoaded();
        if (threads > 0) {
            torch.set_num_threads(threads);
        }
        String loadAtStart = Machine.loadAverage();
        LoadOptions options = model.loadOptions();
        long loadStart = System.nanoTime();
        try (Model m = model.openModel(spec.commandLine().getErr())) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            Pipeline pipeline = new Pipeline(m);
            GenerationRequest request = pipeline.resolve(tokenMerging
                    .applyTo(deepCache.applyTo(cfg.applyTo(size.applyTo(guidance.applyTo(sampling.applyTo(
                            GenerationRequest.builder("a photograph of an astronaut riding a horse")))))))
                    .vaeTiling(vaeTiling.tiling)
                    .build());
            out.printf(
                    Locale.ROOT,
                    "model %s (%s), %dx%d, %d steps, guidance %.1f (U-Net batch %d per image), %s, %d threads,"
                            + " VAE tiling %s, %s, DeepCache interval %d, %s%n",
                    m.manifest().name(),
                    model.label(),
                    request.width().getAsInt(),
                    request.height().getAsInt(),
                    steps,
                    request.guidanceScale(),
                    request.usesGuidance() ? 2 : 1,
                    request.scheduler().orElse("the model's sampler"),
                    torch.get_num_threads(),
                    request.vaeTiling(),
                    request.guidanceWindow(),
                    request.deepCacheInterval(),
                    request.tokenMerging());
            out.printf(Locale.ROOT, "machine: %s; load average at start %s%n", Machine.describe(), loadAtStart);
            out.printf(
                    Locale.ROOT,
                    "OPENBLAS_NUM_THREADS=%s OMP_WAIT_POLICY=%s THP_MEM_ALLOC_ENABLE=%s LD_PRELOAD=%s"
                            + " org.bytedeco.openblas.load=%s; %s; attention %s; warm-up %d, measured %d generations%n",
                    System.getenv("OPENBLAS_NUM_THREADS"),
                    System.getenv("OMP_WAIT_POLICY"),
                    System.getenv("THP_MEM_ALLOC_ENABLE"),
                    System.getenv("LD_PRELOAD"),
                    System.getProperty("org.bytedeco.openblas.load"),
                    options,
                    m.manifest().fusedAttention() ? "fused (scaled_dot_product_attention)" : "formula",
                    warmup,
                    runs);
            if (!m.manifest().fusedAttention()) {
                out.println("note: this export spells attention out (every score matrix is materialised);"
                        + " ./cppbuild.sh fuse-attention DIR makes it faster and leaner (docs/performance.md)");
            }
            out.printf(Locale.ROOT, "load: %.2f s%n", loadSeconds);
            out.flush();
            List<Double> perImage = new ArrayList<>();
            double lastCall = 0;
            for (int batch : batchSizes) {
                GenerationRequest r = request.withBatchSize(batch);
                if (batchSizes.size() > 1) {
                    out.printf(Locale.ROOT, "batch size %d:%n", batch);
                }
                double[] generationAndCall = measure(out, m, pipeline, r, loadStart);
                loadStart = -1; // only the first generation's first step counts from the load
                perImage.add(generationAndCall[0] / batch);
                lastCall = generationAndCall[1];
            }
            if (batchSizes.size() > 1) {
                StringBuilder line = new StringBuilder("throughput (median generation / batch size):");
                for (int i = 0; i < batchSizes.size(); i++) {
                    line.append(String.format(
                            Locale.ROOT,
                            " batch %d %.2f s per image (%.2fx batch %d)%s",
                            batchSizes.get(i),
                            perImage.get(i),
                            perImage.get(0) / perImage.get(i),
                            batchSizes.get(0),
                            i + 1 < batchSizes.size() ? ";" : ""));
                }
                out.println(line);
            }
            if (gemmSize > 0) {
                printFloor(out, m, request.withBatchSize(batchSizes.get(batchSizes.size() - 1)), lastCall);
            }
            out.printf(Locale.ROOT, "load average at end %s%n", Machine.loadAverage());
        }
        return 0;
    }

    /**
     * Warm-up and measured generations of one request, printed; returns the median generation's
     * seconds and the mean U-Net call's. {@code loadStart} (or -1) dates the first step from the load.
     */
    private double[] measure(PrintWriter out, Model m, Pipeline pipeline, GenerationRequest request, long loadStart) {
        StepClock firstClock = null;
        for (int i = 0; i < warmup; i++) {
            StepClock clock = new StepClock(m.unet());
            pipeline.generate(request, clock);
            firstClock = firstClock == null ? clock : firstClock;
        }
        List<Double> stepTimes = new ArrayList<>();
        List<Double> totals = new ArrayList<>();
        List<ProcessMemory> memory = new ArrayList<>();
        NetworkTime text = NetworkTime.ZERO;
        NetworkTime unet = NetworkTime.ZERO;
        NetworkTime shallow = NetworkTime.ZERO;
        NetworkTime vae = NetworkTime.ZERO;
        double stepWall = 0;
        double stepOutside = 0;
        ProcessCpu cpuStart = ProcessCpu.now();
        for (int i = 0; i < runs; i++) {
            NetworkTime text0 = textTime(m);
            NetworkTime unet0 = m.unet().time();
            NetworkTime shallow0 = m.unet().shallowTime();
            NetworkTime vae0 = m.vaeDecoder().time();
            StepClock clock = new StepClock(m.unet());
            long start = System.nanoTime();
            pipeline.generate(request, clock);
            totals.add((System.nanoTime() - start) / 1e9);
            firstClock = firstClock == null ? clock : firstClock;
            text = text.plus(textTime(m).minus(text0));
            unet = unet.plus(m.unet().time().minus(unet0));
            shallow = shallow.plus(m.unet().shallowTime().minus(shallow0));
            vae = vae.plus(m.vaeDecoder().time().minus(vae0));
            stepTimes.addAll(clock.stepSeconds());
            double[] wallOutside = clock.wallAndOutsideUNet();
            stepWall += wallOutside[0];
            stepOutside += wallOutside[1];
            memory.add(ProcessMemory.now());
            out.printf(
                    Locale.ROOT,
                    "  generation %d: %.2f s, RSS %.2f GB, live JavaCPP pointers %d%n",
                    i + 1,
                    totals.get(i),
                    gb(memory.get(i).residentBytes()),
                    memory.get(i).javacppPointers());
            out.flush();
        }
        ProcessCpu cpu = ProcessCpu.now().minus(cpuStart);
        double total = totals.stream().mapToDouble(Double::doubleValue).sum();
        double inside = text.seconds() + unet.seconds() + vae.seconds();
        double unetCall = unet.seconds() / unet.calls();
        double firstCall = firstClock.firstStepUNetSeconds();
        out.printf(
                Locale.ROOT,
                "first step: U-Net %.2f s = %.2fx the measured mean call%s%n",
                firstCall,
                firstCall / unetCall,
                loadStart < 0
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "; done %.2f s after the load began",
                                (firstClock.firstStepEnd() - loadStart) / 1e9));
        out.printf(
                Locale.ROOT,
                "step: %.3f s (median of %d steps); U-Net call %.3f s (mean of %d)%n",
                BenchTraceCommand.median(stepTimes),
                stepTimes.size(),
                unetCall,
                unet.calls());
        if (shallow.calls() > 0) {
            NetworkTime full = unet.minus(shallow);
            out.printf(
                    Locale.ROOT,
                    "DeepCache: full U-Net call %.3f s (mean of %d), shallow call %.3f s (mean of %d) = %.1f %% of a"
                            + " full one%n",
                    full.seconds() / full.calls(),
                    full.calls(),
                    shallow.seconds() / shallow.calls(),
                    shallow.calls(),
                    100 * (shallow.seconds() / shallow.calls()) / (full.seconds() / full.calls()));
        }
        out.printf(
                Locale.ROOT,
                "generation: %.2f s (median), %.2f s per image; per generation: text encoder %.3f s, U-Net %.2f s,"
                        + " VAE decoder %.2f s, outside the networks %.3f s%n",
                BenchTraceCommand.median(totals),
                BenchTraceCommand.median(totals) / request.batchSize(),
                text.seconds() / runs,
                unet.seconds() / runs,
                vae.seconds() / runs,
                (total - inside) / runs);
        out.printf(
                Locale.ROOT,
                "CPU per generation: %.1f s user + %.1f s kernel (%.0f %% in the kernel);"
                        + " %.2f cores busy on average%n",
                cpu.userSeconds() / runs,
                cpu.systemSeconds() / runs,
                100 * cpu.systemSeconds() / (cpu.userSeconds() + cpu.systemSeconds()),
                (cpu.userSeconds() + cpu.systemSeconds()) / total);
        out.printf(
                Locale.ROOT,
                "Java overhead: %.3f %% of a generation, %.3f %% of a step%n",
                100 * (total - inside) / total,
                100 * stepOutside / stepWall);
        ProcessMemory first = memory.get(0);
        ProcessMemory last = memory.get(memory.size() - 1);
        out.printf(
                Locale.ROOT,
                "memory: peak RSS %.2f GB; after generation 1 -> %d: RSS %.3f -> %.3f GB (%+.2f %%),"
                        + " live JavaCPP pointers %d -> %d%n",
                gb(last.peakResidentBytes()),
                runs,
                gb(first.residentBytes()),
                gb(last.residentBytes()),
                growth(first.residentBytes(), last.residentBytes()),
                first.javacppPointers(),
                last.javacppPointers());
        out.flush();
        return new double[] {BenchTraceCommand.median(totals), unetCall};
    }

    private void printFloor(PrintWriter out, Model m, GenerationRequest request, double unetCall) {
        int scale = m.manifest().vae().scaleFactor();
        int batch = (request.usesGuidance() ? 2 : 1) * request.batchSize();
        double flops = UNetFlops.of(m.manifest())
                .perCall(
                        batch,
                        request.height().getAsInt() / scale,
                        request.width().getAsInt() / scale);
        double here = GemmRate.measure(gemmSize, 5);
        double allCores = GemmRate.measureAllCores(gemmSize, 5);
        double rate = Math.max(here, allCores);
        out.printf(
                Locale.ROOT,
                "matrix multiply %d^2: %.1f GFLOP/s in this process (OPENBLAS_NUM_THREADS=%s),"
                        + " %.1f GFLOP/s with %d OpenBLAS threads (a child JVM): the floor uses %.1f%n",
                gemmSize,
                here / 1e9,
                System.getenv("OPENBLAS_NUM_THREADS"),
                allCores / 1e9,
                Runtime.getRuntime().availableProcessors(),
                rate / 1e9);
        out.printf(
                Locale.ROOT,
                "floor: U-Net %.1f GFLOP per call (batch %d); at %.1f GFLOP/s"
                        + " -> %.2f s per call at best; measured %.2f s = %.0f %% of the machine's rate (%.1f GFLOP/s)%n",
                flops / 1e9,
                batch,
                rate / 1e9,
                flops / rate,
                unetCall,
                100 * flops / rate / unetCall,
                flops / unetCall / 1e9);
    }

    private static double gb(long bytes) {
        return bytes / 1e9;
    }

    private static double growth(long from, long to) {
        return from <= 0 ? 0 : 100.0 * (to - from) / from;
    }

    /** The time inside every text encoder (SDXL has two). */
    private static NetworkTime textTime(Model m) {
        return m.textEncoders().stream().map(TextEncoder::time).reduce(NetworkTime.ZERO, NetworkTime::plus);
    }
}
