package dev.torchsd.bench;

import dev.torchsd.generation.Guidance;
import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.tensor.LibTorch;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the Java side adds to every denoising step, without the U-Net: the scheduler's loop
 * (input scaling and step for 20 steps, fresh scheduler each time, as a request makes it) and
 * classifier-free guidance on a U-Net batch of 2. Latents of a 512x512 image (1, 4, 64, 64).
 * Run with {@link StepMathBenchmarks}; docs/performance.md has the numbers.
 */
@State(Scope.Thread)
public class StepMathBenchmark {
    static final int STEPS = 20;

    /** The sampler under test; only the scheduler loop takes it, so guidance is measured once. */
    @State(Scope.Thread)
    public static class Sampler {
        @Param({"PNDMScheduler", "EulerDiscreteScheduler", "DPM++ 2M Karras"})
        public String name;
    }

    private Tensor latents;
    private Tensor prediction;
    private Tensor batchedPrediction;
    private Generator generator;
    private SchedulerConfig config;

    @Setup(Level.Trial)
    public void setUp() {
        LibTorch.ensureLoaded();
        generator = torch.make_generator_cpu(0);
        latents = randn(1, 4, 64, 64);
        prediction = randn(1, 4, 64, 64);
        batchedPrediction = randn(2, 4, 64, 64);
        config = SchedulerConfig.sd15();
    }

    private Tensor randn(long... shape) {
        return torch.randn(shape, new GeneratorOptional(generator), new TensorOptions());
    }

    /** A whole 20-step scheduler loop with a fixed model output; divide by 20 for one step. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float schedulerLoop(Sampler sampler) {
        try (Scheduler s = Schedulers.create(sampler.name, config, STEPS);
                PointerScope scope = new PointerScope()) {
            Tensor sample = latents;
            for (int i = 0; i < s.timesteps().length; i++) {
                s.scaleModelInput(sample, i);
                sample = s.step(prediction, i, sample, generator);
            }
            return sample.data_ptr_float().get(0);
        }
    }

    /** Splitting a batch-2 prediction and combining it with guidance scale 7.5 (one step's guidance). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float guidance() {
        try (PointerScope scope = new PointerScope()) {
            return Guidance.combine(batchedPrediction, 7.5).data_ptr_float().get(0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        latents.close();
        prediction.close();
        batchedPrediction.close();
    }
}
