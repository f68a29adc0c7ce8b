package dev.torchsd.scheduler;

/**
 * The noise level after the last step ({@code final_sigmas_type}): 0 (a clean sample), or the training
 * table's smallest sigma. The constants' lower-case names are diffusers' values.
 */
enum FinalSigmas {
    ZERO,
    SIGMA_MIN;

    double value(TrainingSchedule schedule) {
        if (this == ZERO) {
            return 0.0;
        }
        float a = schedule.alphasCumprod[0];
        return Math.sqrt((1 - (double) a) / a);
    }
}
