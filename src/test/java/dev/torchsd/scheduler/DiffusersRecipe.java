package dev.torchsd.scheduler;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' scheduler-test recipe (tests/schedulers/test_schedulers.py): the deterministic 4x3x8x8
 * sample and noise, the dummy model sample * t / (t + 1), and the full denoising loops, so that the
 * tests' expected sums and means can be checked against our schedulers.
 */
final class DiffusersRecipe {
    private DiffusersRecipe() {}

    /**
     * arange(768).reshape(3, 8, 8, 4) / 768, permuted to [4, 3, 8, 8]; {@code flipped} uses 767..0.
     * (num_elems = 4 * 3 * 8 * 8 = 768 in diffusers' test_schedulers.py.)
     */
    static Tensor deterministic(boolean flipped) {
        float[] values = new float[768];
        for (int b = 0; b < 4; b++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 8; h++) {
                    for (int w = 0; w < 8; w++) {
                        int k = ((c * 8 + h) * 8 + w) * 4 + b;
                        values[((b * 3 + c) * 8 + h) * 8 + w] = (flipped ? 767 - k : k) / 768f;
                    }
                }
            }
        }
        return Tensor.create(values, 4, 3, 8, 8);
    }

    static Tensor sample() {
        return deterministic(false);
    }

    static Tensor noise() {
        return deterministic(true);
    }

    /** The dummy model: sample * t / (t + 1), t cast to float32 first. */
    static Tensor model(Tensor sample, double timestep) {
        float t = (float) timestep;
        float t1 = t + 1f;
        return sample.mul(new Scalar(t)).div(new Scalar(t1));
    }

    /** sum(|x|) and mean(|x|), as the tests compute them. */
    record Result(double sum, double mean) {}

    static Result measure(Tensor x) {
        return new Result(x.abs().sum().item_float(), x.abs().mean().item_float());
    }

    /**
     * The full loop of the tests: sample (times init_noise_sigma when {@code scaleInit}), optionally noised at
     * index {@code start}, then for each index from {@code start}: for the k-diffusion schedulers
     * the scaled input overwrites the sample (the tests' quirk), model, step.
     */
    static Result fullLoop(Scheduler scheduler, boolean scaleInit, boolean scaleInput, int start, long seed) {
        try (PointerScope scope = new PointerScope()) {
            Generator generator = torch.make_generator_cpu(seed);
            Tensor sample = sample();
            if (scaleInit) {
                sample = sample.mul(new Scalar(scheduler.initNoiseSigma()));
            }
            if (start > 0) {
                sample = scheduler.addNoise(sample, noise(), start);
            }
            double[] timesteps = scheduler.timesteps();
            for (int i = start; i < timesteps.length; i++) {
                if (scaleInput) {
                    sample = scheduler.scaleModelInput(sample, i);
                }
                Tensor output = model(sample, timesteps[i]);
                sample = scheduler.step(output, i, sample, generator);
            }
            return measure(sample);
        } finally {
            scheduler.close();
        }
    }
}
