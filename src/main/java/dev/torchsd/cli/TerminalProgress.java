package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error, counting U-Net calls; closes itself after the last one. The total is the
 * generation's own, known at its first call ({@link StepProgress#totalSteps()}): the request's steps are not the
 * calls (image-to-image's strength, a refiner's part, second-order samplers), so until then it shows none.
 */
final class TerminalProgress implements GenerationListener {
    /** ProgressBar's "no total yet". */
    static final long UNKNOWN = -1;

    private final ProgressBar bar;

    TerminalProgress() {
        bar = new ProgressBarBuilder()
                .setTaskName("Generating")
                .setInitialMax(UNKNOWN)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" calls", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .continuousUpdate()
                .build();
    }

    @Override
    public boolean onStep(StepProgress progress) {
        bar.maxHint(progress.totalSteps());
        bar.stepTo(progress.step());
        if (progress.step() == progress.totalSteps()) {
            bar.close();
        }
        return true;
    }

    /** The total the bar shows now: {@link #UNKNOWN} before the first call. */
    long total() {
        return bar.isIndefinite() ? UNKNOWN : bar.getMax();
    }
}
