package dev.torchsd.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link EmbeddingBenchmark} on one thread: 3 warm-up and 5 measured iterations of 1 s, one fork. */
public final class EmbeddingBenchmarks {
    private EmbeddingBenchmarks() {}

    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(EmbeddingBenchmark.class.getSimpleName())
                .threads(1)
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .build();
        new Runner(options).run();
    }
}
