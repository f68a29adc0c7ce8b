package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationListener;
import dev.torchsd.pipeline.StepProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on standard error, counting U-Net calls; closes itself after the last one. */
final class TerminalProgress implements GenerationListener {
    private final ProgressBar bar;

    TerminalProgress(int steps) {
        bar = new ProgressBarBuilder()
                .setTaskName("Generating")
                .setInitialMax(steps)
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
}
