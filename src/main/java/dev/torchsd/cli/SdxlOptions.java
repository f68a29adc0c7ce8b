package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.SdxlConditioning;
import dev.torchsd.pipeline.SizeConditioning;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * SDXL's options: the refiner hand-over and the conditioning beyond the prompts (diffusers' original_size,
 * crops_coords_top_left, target_size, aesthetic scores); ignored by SD 1.x/2.x models.
 */
final class SdxlOptions {

    @Option(
            names = "--refiner",
            paramLabel = "DIR",
            description = "SDXL: an SDXL refiner folder that runs the last part of the steps on the base model's"
                    + " latents (diffusers' denoising_end / denoising_start)")
    Path refiner;

    @Option(
            names = "--refiner-switch",
            defaultValue = "0.8",
            paramLabel = "F",
            description = "with --refiner: the fraction of the schedule the base model runs (default: 0.8)")
    double refinerSwitch;

    @Option(
            names = "--original-size",
            paramLabel = "WxH",
            description = "SDXL: the original size the U-Net is told (default: the image size)")
    String originalSize;

    @Option(
            names = "--crop",
            paramLabel = "TOP,LEFT",
            description = "SDXL: the crop's top-left corner the U-Net is told (default: 0,0)")
    String crop;

    @Option(
            names = "--target-size",
            paramLabel = "WxH",
            description = "SDXL: the target size the U-Net is told (default: the image size)")
    String targetSize;

    @Option(
            names = "--aesthetic-score",
            paramLabel = "A",
            description = "SDXL refiner: the prompt's aesthetic score (default: 6.0)")
    Double aestheticScore;

    @Option(
            names = "--negative-aesthetic-score",
            paramLabel = "A",
            description = "SDXL refiner: the negative prompt's aesthetic score (default: 2.5)")
    Double negativeAestheticScore;

    @Option(
            names = "--encode-empty-negative",
            description = "SDXL base: encode the empty negative prompt instead of zeros (diffusers' default with no"
                    + " negative prompt, force_zeros_for_empty_prompt)")
    boolean encodeEmptyNegative;

    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        SizeConditioning size = SizeConditioning.DEFAULT;
        if (originalSize != null) {
            int[] wh = pair(originalSize, "x", "--original-size");
            size = size.withOriginalSize(wh[0], wh[1]);
        }
        if (crop != null) {
            int[] topLeft = pair(crop, ",", "--crop");
            size = size.withCrop(topLeft[0], topLeft[1]);
        }
        if (targetSize != null) {
            int[] wh = pair(targetSize, "x", "--target-size");
            size = size.withTargetSize(wh[0], wh[1]);
        }
        SdxlConditioning sdxl = SdxlConditioning.DEFAULT.withSize(size).withEncodeEmptyNegative(encodeEmptyNegative);
        sdxl = sdxl.withAestheticScores(
                aestheticScore != null ? aestheticScore : sdxl.aestheticScore(),
                negativeAestheticScore != null ? negativeAestheticScore : sdxl.negativeAestheticScore());
        if (refiner != null) {
            if (!(refinerSwitch > 0 && refinerSwitch < 1)) {
                throw new TorchsdException("--refiner-switch must be in (0, 1), got " + refinerSwitch);
            }
            request.denoising(0, refinerSwitch);
        }
        return request.sdxl(sdxl);
    }

    private static int[] pair(String text, String separator, String option) {
        String[] parts = text.trim().split(java.util.regex.Pattern.quote(separator), -1);
        try {
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TorchsdException(
                option + " expects two integers separated by '" + separator + "', got \"" + text + "\"");
    }
}
