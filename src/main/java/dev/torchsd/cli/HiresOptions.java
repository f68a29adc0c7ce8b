package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.HiresFix;
import picocli.CommandLine.Option;

/** AUTOMATIC1111's hires fix on the generating commands: {@code --hires-scale} turns it on (docs/image-to-image.md). */
final class HiresOptions {

    @Option(
            names = "--hires-scale",
            paramLabel = "X",
            description = "hires fix: generate at the size, upscale by X"
                    + " (1..4), then denoise again there (AUTOMATIC1111's hr_scale; default: off)")
    Double scale;

    @Option(
            names = "--hires-strength",
            defaultValue = "" + HiresFix.DEFAULT_STRENGTH,
            paramLabel = "S",
            description = "hires fix's denoising strength (default: ${DEFAULT-VALUE})")
    double strength;

    @Option(
            names = "--hires-steps",
            defaultValue = "0",
            paramLabel = "N",
            description = "hires fix's steps (default: 0 = --steps)")
    int steps;

    @Option(
            names = "--hires-upscaler",
            defaultValue = "latent",
            paramLabel = "NAME",
            description = "latent (bilinear; default), latent-nearest or lanczos (the image)")
    String upscaler;

    @Option(
            names = "--hires-tome",
            defaultValue = "0",
            paramLabel = "RATIO",
            description = "hires fix's token merging ratio (AUTOMATIC1111's token_merging_ratio_hr; default: 0 ="
                    + " --tome)")
    double tokenMergingRatio;

    /** {@code request} with the hires fix, or unchanged without {@code --hires-scale}. */
    GenerationRequest apply(GenerationRequest request) {
        if (scale == null) {
            if (steps != 0 || tokenMergingRatio != 0) {
                throw new TorchsdException("--hires-steps and --hires-tome need --hires-scale");
            }
            return request;
        }
        return request.withHiresFix(new HiresFix(
                scale,
                strength,
                steps,
                ImageOptions.choice(HiresFix.Upscaler.class, upscaler, "--hires-upscaler"),
                tokenMergingRatio));
    }
}
