package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import picocli.CommandLine.Option;

/**
 * {@code --steps N}: inference steps, by default {@link GenerationRequest#DEFAULT_STEPS}. A command
 * whose purpose wants another count ({@code eval}, {@code soak}) passes its own default to the
 * constructor; the help shows it.
 */
final class StepsOption {

    @Option(names = "--steps", paramLabel = "N", description = "inference steps (default: ${DEFAULT-VALUE})")
    int steps;

    StepsOption() {
        this(GenerationRequest.DEFAULT_STEPS);
    }

    StepsOption(int defaultSteps) {
        steps = defaultSteps;
    }
}
