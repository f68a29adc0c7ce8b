package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationRequest;
import picocli.CommandLine.Option;

/** {@code -W/--width} and {@code -H/--height}; unset means the model's default size. */
final class SizeOptions {

    @Option(
            names = {"-W", "--width"},
            description = "width in pixels, a multiple of 8 in " + GenerationRequest.MIN_SIZE + ".."
                    + GenerationRequest.MAX_SIZE + " (default: the model's)")
    Integer width;

    @Option(
            names = {"-H", "--height"},
            description = "height in pixels, a multiple of 8 in " + GenerationRequest.MIN_SIZE + ".."
                    + GenerationRequest.MAX_SIZE + " (default: the model's)")
    Integer height;

    GenerationRequest.Builder applyTo(GenerationRequest.Builder request) {
        return request.width(width).height(height);
    }
}
