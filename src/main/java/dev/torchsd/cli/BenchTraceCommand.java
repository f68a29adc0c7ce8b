package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.trace.TraceRecorder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd bench-trace}: what recording a trace costs. Runs the same request with and without
 * the trace recorder, alternating, after a warm-up, in one JVM, and prints the median seconds of each
 * and the overhead.
 */
@Command(
        name = "bench-trace",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Measure the trace recorder's cost: median time with and without it, alternating runs.")
public final class BenchTraceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GenerationOptions options;

    @Option(names = "--runs", defaultValue = "5", description = "measured runs of each kind (default: 5)")
    int runs;

    @Option(names = "--decode", description = "trace previews through the real VAE")
    boolean decode;

    @Override
    public Integer call() {
        long seed = options.seed == -1 ? 0 : options.resolveSeed();
        try (StableDiffusion sd = options.model.open(spec.commandLine().getErr())) {
            GenerationRequest request = sd.resolve(options.request(seed, 1));
            List<Double> plain = new ArrayList<>();
            List<Double> traced = new ArrayList<>();
            time(sd, request, false);
            time(sd, request, true);
            for (int i = 0; i < runs; i++) {
                plain.add(time(sd, request, false));
                traced.add(time(sd, request, true));
            }
            double p = median(plain);
            double t = median(traced);
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "%s, %dx%d, %d steps, %d runs each: without trace %.3f s, with trace%s %.3f s (median); overhead %+.2f %%%n",
                            sd.info().name(),
                            request.width().getAsInt(),
                            request.height().getAsInt(),
                            request.steps(),
                            runs,
                            p,
                            decode ? " (VAE previews)" : " (cheap previews)",
                            t,
                            100 * (t - p) / p);
        }
        return 0;
    }

    private double time(StableDiffusion sd, GenerationRequest request, boolean trace) {
        long start = System.nanoTime();
        if (trace) {
            sd.generate(request, new TraceRecorder(sd, decode));
        } else {
            sd.generate(request);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
