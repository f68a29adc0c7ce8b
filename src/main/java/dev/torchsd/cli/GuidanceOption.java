package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import picocli.CommandLine.Option;

/** {@code --guidance W}: the classifier-free guidance scale, by default {@link GenerationRequest#DEFAULT_GUIDANCE}. */
final class GuidanceOption {

    @Option(
            names = {"--guidance", "--cfg-scale"},
            paramLabel = "W",
            description = "classifier-free guidance scale;"
                    + " <= 1 disables guidance (one U-Net batch instead of two) (default: ${DEFAULT-VALUE})")
    double guidance = GenerationRequest.DEFAULT_GUIDANCE;

    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        return request.guidanceScale(guidance);
    }
}
