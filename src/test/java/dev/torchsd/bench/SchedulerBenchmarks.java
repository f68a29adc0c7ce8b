package dev.torchsd.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link SchedulerBenchmark}: one fork, 2 warm-up and 5 measured iterations of 1 s per sampler.
 * Arguments go to JMH's option parser (e.g. {@code -p sampler=UniPC}).
 */
public final class SchedulerBenchmarks {
    private SchedulerBenchmarks() {}

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        OptionsBuilder builder = new OptionsBuilder();
        if (args.length > 0) {
            builder.parent(new CommandLineOptions(args));
        }
        Options options = builder.include(SchedulerBenchmark.class.getSimpleName())
                .threads(1)
                .forks(1)
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .build();
        new Runner(options).run();
    }
}
