package dev.torchsd.bench;

import dev.torchsd.embedding.TextualInversion;
import dev.torchsd.embedding.TextualInversionReader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Time to read a textual-inversion file into float vectors, per format: the SD 1.x-sized fixtures
 * (16 × 768 fp16 safetensors, 2 × 768 fp32 AUTOMATIC1111 .pt, 3 × 32 fp16 legacy torch file).
 * Run with {@link EmbeddingBenchmarks} (see docs/embeddings.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EmbeddingBenchmark {
    @Param({"sd1_negative_16x768.safetensors", "sd1-style.pt", "legacy-style.pt"})
    public String file;

    @Benchmark
    public TextualInversion read() {
        return TextualInversionReader.read(Path.of("src", "test", "resources", "embeddings", file));
    }
}
