package dev.torchsd.pipeline;

import org.bytedeco.pytorch.Tensor;

/**
 * Where a generation is after one denoising step, shown to a {@link GenerationListener}.
 *
 * @param step       steps done (1..totalSteps)
 * @param totalSteps the U-Net calls of this request (PNDM makes one more than its steps, Heun two per step)
 * @param timestep   the timestep of the call just made
 * @param latents    the current latents (batch, channels, h, w), valid only during the listener's call
 */
public record StepProgress(int step, int totalSteps, double timestep, Tensor latents) {}
