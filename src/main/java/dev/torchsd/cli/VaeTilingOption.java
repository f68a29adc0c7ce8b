package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.VaeTiling;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --vae-tiling[=TILE[:OVERLAP]]} (diffusers' enable_tiling(), stable-diffusion.cpp's
 * {@code --vae-tiling}), shared by the generating commands and {@code bench}. The syntax is checked
 * here, the values against the model when the request is resolved.
 */
final class VaeTilingOption {

    @Option(
            names = "--vae-tiling",
            arity = "0..1",
            paramLabel = "TILE[:OVERLAP]",
            converter = Converter.class,
            fallbackValue = "" + VaeTiling.DEFAULT_TILE_SIZE,
            description = "decode the image in tiles of TILE pixels (default: 512) that overlap by OVERLAP pixels"
                    + " (default: a quarter of the tile), blended linearly: less memory for large images, slightly"
                    + " different pixels near the seams; an image within one tile is unchanged (default: off)")
    VaeTiling tiling = VaeTiling.OFF;

    /** picocli's converter for the option. */
    static final class Converter implements ITypeConverter<VaeTiling> {
        @Override
        public VaeTiling convert(String value) {
            try {
                return VaeTiling.parse(value);
            } catch (TorchsdException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
