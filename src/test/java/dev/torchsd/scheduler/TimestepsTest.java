package dev.torchsd.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.torchsd.tensor.LibTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Timestep lists stated by diffusers' tests and by public SD 1.x code (reference file, sections 2 and 3). */
class TimestepsTest {

    @BeforeAll
    static void load() {
        LibTorch.ensureLoaded();
    }

    private static double[] timesteps(String name, SchedulerConfig config, int steps) {
        try (Scheduler scheduler = Schedulers.create(name, config, steps)) {
            return scheduler.timesteps();
        }
    }

    private static double[] values(int... values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    @Test
    void sd15Plms50Steps() {
        assertArrayEquals(
                values(
                        981, 961, 961, 941, 921, 901, 881, 861, 841, 821, 801, 781, 761, 741, 721, 701, 681, 661, 641,
                        621, 601, 581, 561, 541, 521, 501, 481, 461, 441, 421, 401, 381, 361, 341, 321, 301, 281, 261,
                        241, 221, 201, 181, 161, 141, 121, 101, 81, 61, 41, 21, 1),
                timesteps(null, SchedulerConfig.sd15(), 50));
    }

    @Test
    void sd15Plms20And5Steps() {
        assertArrayEquals(
                values(
                        951, 901, 901, 851, 801, 751, 701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101,
                        51, 1),
                timesteps("PLMS", SchedulerConfig.sd15(), 20));
        assertArrayEquals(values(801, 601, 601, 401, 201, 1), timesteps("pndmscheduler", SchedulerConfig.sd15(), 5));
    }

    @Test
    void ddimStepsOffset() {
        SchedulerConfig config = SchedulerConfig.empty().with("steps_offset", "1");
        assertArrayEquals(values(801, 601, 401, 201, 1), timesteps("DDIMScheduler", config, 5));
    }

    @Test
    void pndmPrkWarmUpTimesteps() {
        SchedulerConfig config =
                SchedulerConfig.empty().with("steps_offset", "1").with("skip_prk_steps", "false");
        assertArrayEquals(
                values(901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1),
                timesteps("PNDMScheduler", config, 10));
    }

    /** The reference's Euler table for the tests' T=1100 config: fractional timesteps stay float. */
    @Test
    void eulerFractionalTimestepsAndSigmas() {
        SchedulerConfig config = SchedulerConfig.empty().with("num_train_timesteps", "1100");
        try (Scheduler euler = Schedulers.create("Euler", config, 10)) {
            float[] expectedT = {
                1099.0f, 976.8889f, 854.7778f, 732.6667f, 610.5555f, 488.4445f, 366.3333f, 244.2222f, 122.1111f, 0.0f
            };
            double[] expectedSigmas = {
                261.05576,
                81.40574,
                29.112135,
                11.912572,
                5.5358214,
                2.864876,
                1.5868183,
                0.8740826,
                0.40016317,
                0.0100013297,
                0.0
            };
            double[] t = euler.timesteps();
            double[] sigmas = euler.sigmas();
            for (int i = 0; i < expectedT.length; i++) {
                assertEquals(expectedT[i], (float) t[i], 1e-4f, "timestep " + i);
            }
            for (int i = 0; i < expectedSigmas.length; i++) {
                assertEquals(expectedSigmas[i], sigmas[i], Math.max(1e-9, expectedSigmas[i] * 1e-6), "sigma " + i);
            }
            assertEquals(261.05576, euler.initNoiseSigma(), 1e-3);
        }
    }

    /**
     * SD 1.5's alphas_cumprod ends as stated in the reference (and in MNN's alphas.txt). The last value
     * depends on how a torch version accumulates the float32 cumprod (torch 1.13 gives 0.00466009602,
     * libtorch 2.10 0.00466009509), so agreement is to float32 accumulation error, not bitwise.
     */
    @Test
    void sd15AlphasCumprod() {
        TrainingSchedule schedule = TrainingSchedule.fromConfig(SchedulerConfig.sd15());
        assertEquals(0.99915, schedule.alphaBar(0), 1e-6);
        assertEquals(0.0046600895, schedule.alphaBar(999), 1e-8);
    }
}
