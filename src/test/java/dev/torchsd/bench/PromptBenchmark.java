package dev.torchsd.bench;

import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.prompt.PromptChunker;
import dev.torchsd.prompt.PromptEncoder;
import dev.torchsd.prompt.PromptSchedule;
import dev.torchsd.tokenizer.ClipTokenizer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The Java side of AUTOMATIC1111 prompts, before the text encoder: parsing and scheduling a
 * prompt (20 steps), and then tokenizing and chunking every prompt of its schedule, for a typical
 * prompt of about 230 tokens with weights, editing and BREAK. Needs the real vocabulary in
 * ../shared/clip or {@code -Dtorchsd.vocab=PATH}. Run: {@code main} (one thread, one fork).
 */
@State(Scope.Thread)
public class PromptBenchmark {
    static final String PROMPT = ("(masterpiece:1.2), best quality, ultra-detailed, [cat:dog:0.4] sitting on a "
                            + "((velvet sofa)), [red|blue] cushions, soft window light, bokeh, 85mm lens, \\(film grain\\), "
                            + "[detailed fur:0.3], cinematic composition BREAK ")
                    .repeat(5)
            + "(warm colors:0.8), [[muted background]], depth of field, award winning photograph";

    @Param({""})
    public String vocab;

    private PromptEncoder encoder;

    @Setup(Level.Trial)
    public void load() {
        ClipTokenizer tokenizer = ClipTokenizer.load(TokenizerBenchmark.resolveVocab(vocab), 49407);
        encoder = PromptEncoder.tokenizing(tokenizer, PromptSyntax.A1111);
    }

    /** Parse and resolve the schedule for 20 steps. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public PromptSchedule schedule() {
        return PromptSchedule.of(PROMPT, 20);
    }

    /** Schedule, then tokenize and chunk each distinct prompt (as a request does before encoding). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int scheduleAndChunk() {
        int chunks = 0;
        for (PromptSchedule.Entry e : PromptSchedule.of(PROMPT, 20).entries()) {
            List<PromptChunker.Chunk> c = encoder.chunks(e.fragments()).chunks();
            chunks += c.size();
        }
        return chunks;
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder()
                        .include(PromptBenchmark.class.getSimpleName())
                        .threads(1)
                        .forks(1)
                        .warmupIterations(3)
                        .warmupTime(TimeValue.seconds(1))
                        .measurementIterations(5)
                        .measurementTime(TimeValue.seconds(1))
                        .jvmArgsAppend("-Dtorchsd.vocab=" + System.getProperty("torchsd.vocab", "../shared/clip"))
                        .build())
                .run();
    }
}
