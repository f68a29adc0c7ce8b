package dev.torchsd.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.tensor.LibTorch;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every accepted name builds a sampler that runs a pipeline-style loop, finitely and without leaking tensors. */
class EverySchedulerTest {

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    static List<String> names() {
        return Schedulers.names();
    }

    /**
     * The pipeline's loop with SD 1.5's config and the dummy model (a scaled copy of the input, a crude
     * stand-in for a noise prediction): one scope per step, the next latents retained past it.
     * Returns the live JavaCPP pointer count after each step.
     */
    private static long[] run(String name, int steps, boolean[] finite) {
        return run(name, SchedulerConfig.sd15(), steps, finite);
    }

    private static long[] run(String name, SchedulerConfig config, int steps, boolean[] finite) {
        try (PointerScope outer = new PointerScope();
                Scheduler scheduler = Schedulers.create(name, config, steps)) {
            Generator generator = torch.make_generator_cpu(42);
            Tensor latents;
            try (PointerScope scope = new PointerScope()) {
                latents = torch.randn(
                                new long[] {1, 4, 8, 8},
                                new org.bytedeco.pytorch.GeneratorOptional(generator),
                                new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float))
                        .mul(new org.bytedeco.pytorch.Scalar(scheduler.initNoiseSigma()));
                latents.retainReference();
            }
            double[] timesteps = scheduler.timesteps();
            long[] counts = new long[timesteps.length];
            for (int i = 0; i < timesteps.length; i++) {
                Tensor next;
                try (PointerScope scope = new PointerScope()) {
                    Tensor input = scheduler.scaleModelInput(latents, i);
                    Tensor eps = DiffusersRecipe.model(input, timesteps[i]).mul(new org.bytedeco.pytorch.Scalar(0.1));
                    next = scheduler.step(eps, i, latents, generator);
                    next.retainReference();
                }
                latents.releaseReference();
                latents = next;
                counts[i] = Pointer.totalCount();
            }
            finite[0] = torch.isfinite(latents).all().item_bool();
            latents.releaseReference();
            return counts;
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void runsToAFiniteResult(String name) {
        boolean[] finite = new boolean[1];
        run(name, 8, finite);
        assertTrue(finite[0], name + " gave non-finite latents");
    }

    /**
     * The extremes of the step range: 1 step and num_train_timesteps steps (steps_offset 0: with SD 1.5's
     * offset 1 the leading spacing would reach timestep 1000, see the next test).
     */
    @ParameterizedTest
    @MethodSource("names")
    void oneStepAndAllTrainingSteps(String name) {
        boolean[] finite = new boolean[1];
        run(name, 1, finite);
        assertTrue(finite[0], name + " with 1 step gave non-finite latents");
        run(name, SchedulerConfig.sd15().with("steps_offset", "0"), 1000, finite);
        assertTrue(finite[0], name + " with 1000 steps gave non-finite latents");
    }

    /** PNDM's PRK warm-up keeps its own state (the running Runge-Kutta sum): also flat, also freed. */
    @Test
    void prkWarmUpDoesNotLeak() throws InterruptedException {
        System.gc();
        Thread.sleep(50);
        boolean[] finite = new boolean[1];
        long before = Pointer.totalCount();
        long[] counts = run("PNDMScheduler", SchedulerConfig.sd15().with("skip_prk_steps", "false"), 50, finite);
        assertTrue(finite[0]);
        // the PLMS history (4 noise predictions) is full from index 13 on, after the 12 PRK calls
        assertTrue(
                counts[counts.length - 2] <= counts[20],
                "live pointers grew from " + counts[20] + " to " + counts[counts.length - 2]);
        assertTrue(Pointer.totalCount() <= before, (Pointer.totalCount() - before) + " pointers left after close()");
    }

    @Test
    void timestepBeyondTheTrainingTableIsAClearError() {
        SchedulerException error =
                assertThrows(SchedulerException.class, () -> Schedulers.create("DDIM", SchedulerConfig.sd15(), 1000));
        assertEquals(
                "DDIMScheduler: 1000 steps give timestep 1000, outside 0..999 (steps_offset too large for this"
                        + " many steps); use fewer steps or another timestep_spacing",
                error.getMessage());
    }

    /** Stateful samplers keep tensors between steps: the live pointer count stays flat over 50 steps. */
    @ParameterizedTest
    @MethodSource("names")
    void noTensorLeaksOver50Steps(String name) throws InterruptedException {
        System.gc();
        Thread.sleep(50);
        boolean[] finite = new boolean[1];
        long before = Pointer.totalCount();
        long[] counts = run(name, 50, finite);
        int n = counts.length;
        // garbage of earlier tests may be collected meanwhile, which only lowers the count
        assertTrue(
                counts[n - 2] <= counts[5],
                name + ": live pointers grew during the loop from " + counts[5] + " to " + counts[n - 2]);
        assertTrue(
                Pointer.totalCount() <= before,
                name + ": " + (Pointer.totalCount() - before) + " pointers left after close()");
    }

    @Test
    void everySamplerReportsConsistentTables() {
        for (String name : Schedulers.names()) {
            try (Scheduler scheduler = Schedulers.create(name, SchedulerConfig.sd15(), 20)) {
                double[] sigmas = scheduler.sigmas();
                if (sigmas != null) {
                    assertEquals(scheduler.timesteps().length + 1, sigmas.length, name);
                }
                assertTrue(scheduler.initNoiseSigma() >= 1, name);
            }
        }
    }
}
