package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.ImageInput;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import picocli.CommandLine.Option;

/**
 * Image-to-image and inpainting on the generating commands: {@code --init-image} starts from an
 * image, {@code --mask} repaints part of it (docs/image-to-image.md). Without {@code --init-image}
 * the request is text-to-image and the other options are refused.
 */
final class ImageOptions {

    @Option(
            names = {"-i", "--init-image"},
            paramLabel = "FILE",
            description = "start from this image (PNG, JPEG, BMP,"
                    + " GIF): image-to-image, or inpainting with --mask; the size defaults to the image's")
    Path initImage;

    @Option(
            names = "--strength",
            paramLabel = "S",
            description = "how far the image is noised, 0..1 (default: 0.8,"
                    + " with --mask 1.0, as diffusers): min(int(steps * S), steps) steps run")
    Double strength;

    @Option(
            names = "--a1111-steps",
            description = "run int(S * steps) + 1 steps, as AUTOMATIC1111 (default: diffusers' count)")
    boolean a1111Steps;

    @Option(
            names = "--resize",
            defaultValue = "stretch",
            paramLabel = "MODE",
            description = "an image of another size:"
                    + " stretch (Lanczos, as diffusers; default) or crop (scale to cover, keep the centre)")
    String resize;

    @Option(
            names = "--posterior",
            defaultValue = "sample",
            paramLabel = "MODE",
            description = "the VAE encoder's"
                    + " latents: sample (mean + std * noise, as diffusers; default) or argmax (the mean)")
    String posterior;

    @Option(
            names = "--mask",
            paramLabel = "FILE",
            description = "inpainting mask, white = repaint (an RGBA mask with"
                    + " transparency: its alpha); resized to the request size")
    Path mask;

    @Option(
            names = "--mask-blur",
            defaultValue = "0",
            paramLabel = "PIXELS",
            description = "Gaussian blur of the mask" + " (AUTOMATIC1111's mask blur; default: 0)")
    int maskBlur;

    @Option(names = "--invert-mask", description = "repaint where the mask is black")
    boolean invertMask;

    @Option(
            names = "--inpaint-area",
            defaultValue = "whole",
            paramLabel = "AREA",
            description = "whole (default) or"
                    + " masked: inpaint the mask's padded bounding box at the full request size, then paste it back")
    String inpaintArea;

    @Option(
            names = "--masked-padding",
            defaultValue = "0",
            paramLabel = "PIXELS",
            description = "with --inpaint-area" + " masked: pixels around the mask's bounding box (default: 0)")
    int maskedPadding;

    @Option(
            names = "--fill",
            defaultValue = "original",
            paramLabel = "MODE",
            description =
                    "what the masked area starts"
                            + " from: original (default, as diffusers), fill (the kept pixels' mean colour), latent-noise, latent-nothing")
    String fill;

    /** {@code request} with the image input, or unchanged without {@code --init-image}. */
    GenerationRequest apply(GenerationRequest request) {
        if (initImage == null) {
            if (mask != null || strength != null) {
                throw new TorchsdException((mask != null ? "--mask" : "--strength") + " needs an --init-image");
            }
            return request;
        }
        ImageInput input = ImageInput.of(read(initImage, "--init-image"))
                .withResize(choice(ImageInput.Resize.class, resize, "--resize"))
                .withSampling(choice(ImageInput.Sampling.class, posterior, "--posterior"))
                .withStepCount(a1111Steps ? ImageInput.StepCount.A1111 : ImageInput.StepCount.DIFFUSERS);
        if (strength != null) {
            input = input.withStrength(strength);
        }
        if (mask != null) {
            input = input.withMask(read(mask, "--mask"))
                    .withMaskBlur(maskBlur)
                    .withInvertedMask(invertMask)
                    .withInpaintArea(choice(ImageInput.InpaintArea.class, inpaintArea, "--inpaint-area"), maskedPadding)
                    .withFill(choice(ImageInput.Fill.class, fill, "--fill"));
        }
        return request.withImage(input);
    }

    /** The image in {@code file}, or an error naming the option, the file and what is wrong. */
    static BufferedImage read(Path file, String option) {
        if (!Files.isRegularFile(file)) {
            throw new TorchsdException(option + ": file not found: " + file);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new TorchsdException(option + ": " + file + " is not a readable image (" + e.getMessage() + ")");
        }
        if (image == null) {
            throw new TorchsdException(
                    option + ": " + file + " is not an image this reader knows (PNG, JPEG, BMP, GIF)");
        }
        return image;
    }

    /** An enum constant by its lower-case, dashed name (latent-noise = LATENT_NOISE). */
    static <E extends Enum<E>> E choice(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            String allowed = Arrays.stream(type.getEnumConstants())
                    .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .collect(Collectors.joining(", "));
            throw new TorchsdException(option + " must be one of " + allowed + ", got '" + value + "'");
        }
    }
}
