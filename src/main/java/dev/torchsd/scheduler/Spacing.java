package dev.torchsd.scheduler;

/**
 * How inference timesteps are spread over the training timesteps ({@code timestep_spacing}), after
 * Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed" (Lin et al. 2023).
 * diffusers computes them in three slightly different ways depending on the scheduler family; each
 * family's formula is one method here. The constants' lower-case names are diffusers' values.
 */
enum Spacing {
    LEADING,
    LINSPACE,
    TRAILING;

    /**
     * DDIM, DDPM and PNDM: integer timesteps, descending. leading = i * (T // N) + steps_offset;
     * linspace = round(linspace(0, T - 1, N)); trailing = round(arange(T, 0, -T / N)) - 1.
     */
    double[] integerTimesteps(int trainSteps, int steps, int stepsOffset) {
        return switch (this) {
            case LEADING -> {
                int ratio = trainSteps / steps;
                double[] t = new double[steps];
                for (int i = 0; i < steps; i++) {
                    t[i] = (double) (steps - 1 - i) * ratio + stepsOffset;
                }
                yield t;
            }
            case LINSPACE -> NumPy.reverse(NumPy.round(NumPy.linspace(0, trainSteps - 1, steps)));
            case TRAILING -> trailing(trainSteps, trainSteps, steps);
        };
    }

    /**
     * Euler, Euler a, LMS, Heun and KDPM2: float timesteps (float32 values), descending.
     * linspace keeps fractional values such as 976.8889.
     */
    double[] floatTimesteps(int trainSteps, int steps, int stepsOffset) {
        return switch (this) {
            case LINSPACE -> NumPy.reverse(NumPy.toFloat32(NumPy.linspace(0, trainSteps - 1, steps)));
            default -> integerTimesteps(trainSteps, steps, stepsOffset);
        };
    }

    /**
     * DPM-Solver and UniPC: N + 1 points of which the last (0) is dropped; {@code lastTimestep} is below
     * T when lambda_min_clipped cuts the schedule.
     */
    double[] solverTimesteps(int trainSteps, int lastTimestep, int steps, int stepsOffset) {
        return switch (this) {
            case LINSPACE -> {
                double[] points = NumPy.reverse(NumPy.round(NumPy.linspace(0, lastTimestep - 1, steps + 1)));
                yield java.util.Arrays.copyOf(points, steps);
            }
            case LEADING -> {
                int ratio = lastTimestep / (steps + 1);
                double[] t = new double[steps];
                for (int i = 0; i < steps; i++) {
                    t[i] = (double) (steps - i) * ratio + stepsOffset;
                }
                yield t;
            }
            case TRAILING -> trailing(trainSteps, lastTimestep, steps);
        };
    }

    /**
     * round(arange(start, 0, -T / N)) - 1. For some N (61, 103, ... with T = 1000) numpy's arange yields
     * one extra value near 0, which diffusers turns into timestep -1; we keep the first N values instead.
     */
    private static double[] trailing(int trainSteps, int start, int steps) {
        double[] points = NumPy.round(NumPy.arange(start, 0, -(double) trainSteps / steps));
        double[] t = new double[Math.min(steps, points.length)];
        for (int i = 0; i < t.length; i++) {
            t[i] = points[i] - 1;
        }
        return t;
    }
}
