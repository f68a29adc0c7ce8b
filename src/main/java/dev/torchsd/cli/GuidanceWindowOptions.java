package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GuidanceWindow;
import picocli.CommandLine.Option;

/**
 * {@code --ngms}, {@code --ngms-all-steps} and {@code --cfg-cutoff}: where classifier-free guidance runs
 * ({@link GuidanceWindow}); by default at every call.
 */
final class GuidanceWindowOptions {

    @Option(
            names = {"--ngms", "--s-min-uncond"},
            paramLabel = "SIGMA",
            defaultValue = "0",
            description = "AUTOMATIC1111's Negative Guidance minimum sigma (s_min_uncond): below this sigma every"
                    + " other U-Net call runs the positive prompt alone, without guidance (default: 0, off)")
    double minSigma;

    @Option(
            names = "--ngms-all-steps",
            description = "with --ngms: skip guidance at every call below the sigma, not every other one")
    boolean allSteps;

    @Option(
            names = "--cfg-cutoff",
            paramLabel = "RATIO",
            defaultValue = "1",
            description = "diffusers' CFG cut-off (cutoff_step_ratio): no guidance after call"
                    + " int(calls x RATIO), 0..1 (default: 1, off)")
    double cutoffRatio;

    GuidanceWindow window() {
        return new GuidanceWindow(minSigma, allSteps, cutoffRatio);
    }

    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        return request.guidanceWindow(window());
    }
}
