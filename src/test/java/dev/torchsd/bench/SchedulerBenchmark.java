package dev.torchsd.bench;

import dev.torchsd.scheduler.Scheduler;
import dev.torchsd.scheduler.SchedulerConfig;
import dev.torchsd.scheduler.Schedulers;
import dev.torchsd.tensor.LibTorch;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
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
 * The samplers' own cost in a generation: a 20-step loop on SD 1.5's 1x4x64x64 latents (512x512) with
 * the U-Net replaced by a cheap stand-in (0.1 * input), so what is measured is scheduler creation,
 * input scaling and the step math. Run with {@link SchedulerBenchmarks}.
 */
@State(Scope.Thread)
public class SchedulerBenchmark {

    @Param({"PLMS", "DDIM", "Euler a", "LMS", "Heun", "DPM++ 2M Karras", "DPM++ 2S", "UniPC"})
    public String sampler;

    private SchedulerConfig config;
    private Generator generator;
    private Tensor start;

    @Setup(Level.Trial)
    public void setUp() {
        LibTorch.ensureLoaded();
        config = SchedulerConfig.sd15();
        generator = torch.make_generator_cpu(1);
        start = torch.randn(
                new long[] {1, 4, 64, 64}, new GeneratorOptional(generator), new TensorOptions(torch.ScalarType.Float));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        start.close();
    }

    /** One 20-step generation's scheduler work; returns the final latents' first value. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float twentyStepLoop() {
        try (PointerScope scope = new PointerScope();
                Scheduler scheduler = Schedulers.create(sampler, config, 20)) {
            Tensor latents = start.mul(new Scalar(scheduler.initNoiseSigma()));
            double[] timesteps = scheduler.timesteps();
            for (int i = 0; i < timesteps.length; i++) {
                Tensor input = scheduler.scaleModelInput(latents, i);
                Tensor eps = input.mul(new Scalar(0.1));
                latents = scheduler.step(eps, i, latents, generator);
            }
            return latents.contiguous().data_ptr_float().get();
        }
    }
}
