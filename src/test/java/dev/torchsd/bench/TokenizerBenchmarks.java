package dev.torchsd.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link TokenizerBenchmark} on one thread: 3 warm-up and 5 measured iterations of 1 s, one fork.
 * Arguments are passed to JMH's option parser when given (e.g. {@code -p vocab=../shared/clip/bpe_simple_vocab_16e6.txt.gz}).
 */
public final class TokenizerBenchmarks {
    private TokenizerBenchmarks() {}

    public static void main(String[] args)
            throws RunnerException, org.openjdk.jmh.runner.options.CommandLineOptionException {
        OptionsBuilder builder = new OptionsBuilder();
        if (args.length > 0) {
            builder.parent(new org.openjdk.jmh.runner.options.CommandLineOptions(args));
        }
        Options options = builder.include(TokenizerBenchmark.class.getSimpleName())
                .threads(1)
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Dtorchsd.vocab=" + System.getProperty("torchsd.vocab", "../shared/clip"))
                .build();
        new Runner(options).run();
    }
}
