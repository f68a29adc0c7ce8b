package dev.torchsd.generation;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.scheduler.Scheduler;

/**
 * The part of the schedule a request runs, diffusers' {@code denoising_end} (a base model hands its latents
 * over) and {@code denoising_start} (the refiner goes on from them), with the same cut-off timestep
 * {@code round(T - fraction × T)} for T training timesteps: the base runs the calls whose timestep is at or
 * above it; the refiner the calls below it (one more for a second-order scheduler whose count would be even,
 * as diffusers' img2img get_timesteps).
 *
 * @param first the scheduler index of the first call
 * @param end   the index after the last call
 */
record DenoisingSplit(int first, int end) {

    static DenoisingSplit of(GenerationRequest r, Scheduler scheduler, int trainSteps) {
        double[] timesteps = scheduler.timesteps();
        int first = 0;
        int end = timesteps.length;
        if (r.denoisingEnd() > 0 && r.denoisingEnd() < 1) {
            double cutoff = cutoff(r.denoisingEnd(), trainSteps);
            end = 0;
            for (double t : timesteps) {
                end += t >= cutoff ? 1 : 0;
            }
        }
        if (r.denoisingStart() > 0 && r.denoisingStart() < 1) {
            double cutoff = cutoff(r.denoisingStart(), trainSteps);
            int running = 0;
            for (double t : timesteps) {
                running += t < cutoff ? 1 : 0;
            }
            if (scheduler.order() == 2 && running % 2 == 0) {
                running++;
            }
            first = Math.max(0, timesteps.length - running);
        }
        return new DenoisingSplit(first, end);
    }

    /** Python's {@code int(round(T - fraction * T))}: half to even. */
    private static double cutoff(double fraction, int trainSteps) {
        return (int) Math.rint(trainSteps - fraction * trainSteps);
    }
}
