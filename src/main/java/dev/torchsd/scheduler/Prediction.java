package dev.torchsd.scheduler;

/**
 * What the U-Net predicts ({@code prediction_type}): the noise, the velocity v (SD 2.x 768), or the clean
 * sample. The constants' lower-case names are diffusers' values.
 */
enum Prediction {
    EPSILON,
    V_PREDICTION,
    SAMPLE
}
