package dev.torchsd.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link StepMathBenchmark} as {@link TokenizerBenchmarks} runs the tokenizer's: one thread,
 * 3 warm-up and 5 measured iterations of 1 s, one fork; JMH options may be passed as arguments.
 */
public final class StepMathBenchmarks {
    private StepMathBenchmarks() {}

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        OptionsBuilder builder = new OptionsBuilder();
        if (args.length > 0) {
            builder.parent(new CommandLineOptions(args));
        }
        Options options = builder.include(StepMathBenchmark.class.getSimpleName())
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
