package dev.torchsd.generation;

import dev.torchsd.pipeline.ImageInput;

/**
 * Where an image-guided loop begins: how many of the request's steps run for a strength, and the
 * scheduler index of the first one.
 * <ul>
 *   <li>diffusers' get_timesteps: {@code init = min(int(steps * strength), steps)} steps, from index
 *       {@code (steps - init) * order} of the scheduler's timesteps;</li>
 *   <li>AUTOMATIC1111: {@code int(min(strength, 0.999) * steps) + 1} steps, one more.</li>
 * </ul>
 */
final class Strength {
    private Strength() {}

    /** The inference steps that run (0 = none: the request is refused). */
    static int stepsRun(ImageInput input, double strength, int steps) {
        if (input.stepCount() == ImageInput.StepCount.A1111) {
            return (int) (Math.min(strength, 0.999) * steps) + 1;
        }
        return Math.min((int) (steps * strength), steps);
    }

    /** The scheduler index the loop starts at, for a scheduler of {@code order} calls per step. */
    static int firstIndex(ImageInput input, double strength, int steps, int order) {
        return (steps - stepsRun(input, strength, steps)) * order;
    }

    /** The fewest steps for which {@code strength} runs at least one (diffusers' rule), or -1 if none does. */
    static int fewestSteps(double strength, int maxSteps) {
        for (int n = 1; n <= maxSteps; n++) {
            if ((int) (n * strength) >= 1) {
                return n;
            }
        }
        return -1;
    }
}
