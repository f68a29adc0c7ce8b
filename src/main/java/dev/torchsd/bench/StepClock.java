package dev.torchsd.bench;

import dev.torchsd.model.UNet;
import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepProgress;
import java.util.ArrayList;
import java.util.List;

/**
 * A progress listener that notes, at the end of every step, the wall-clock time and the U-Net's
 * time so far: a step's wall time minus its U-Net time is what the Java side spent on it
 * (scheduler, guidance, tensor bookkeeping).
 */
public final class StepClock implements GenerationListener {
    private final UNet unet;
    private final List<Long> stepEnds = new ArrayList<>();
    private final List<Long> unetNanos = new ArrayList<>();
    private final long unetNanosAtStart;

    public StepClock(UNet unet) {
        this.unet = unet;
        this.unetNanosAtStart = unet.time().nanos();
    }

    @Override
    public boolean onStep(StepProgress progress) {
        stepEnds.add(System.nanoTime());
        unetNanos.add(unet.time().nanos());
        return true;
    }

    /** When the first step ended, in nanoseconds of {@link System#nanoTime()}; -1 before it. */
    public long firstStepEnd() {
        return stepEnds.isEmpty() ? -1 : stepEnds.get(0);
    }

    /** Seconds inside the U-Net during the first step (its first call: profiling runs included); NaN before it. */
    public double firstStepUNetSeconds() {
        return unetNanos.isEmpty() ? Double.NaN : (unetNanos.get(0) - unetNanosAtStart) / 1e9;
    }

    /** Wall seconds of every step after the first (the first one's start is not seen from here). */
    public List<Double> stepSeconds() {
        List<Double> out = new ArrayList<>();
        for (int i = 1; i < stepEnds.size(); i++) {
            out.add((stepEnds.get(i) - stepEnds.get(i - 1)) / 1e9);
        }
        return out;
    }

    /** The part of those steps spent outside the U-Net: (wall, outside) seconds summed. */
    public double[] wallAndOutsideUNet() {
        double wall = 0;
        double outside = 0;
        for (int i = 1; i < stepEnds.size(); i++) {
            double w = (stepEnds.get(i) - stepEnds.get(i - 1)) / 1e9;
            double u = (unetNanos.get(i) - unetNanos.get(i - 1)) / 1e9;
            wall += w;
            outside += w - u;
        }
        return new double[] {wall, outside};
    }
}
