package dev.torchsd.server;

import dev.torchsd.pipeline.ImageInput;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * AUTOMATIC1111's img2img fields read into the library's {@link ImageInput}, with its API defaults
 * (denoising_strength 0.75, mask_blur 4, inpainting_fill 0 = fill, inpaint_full_res true, its step
 * count). What torchsd cannot do the way AUTOMATIC1111 would is refused (422) rather than run into
 * another image: several init images, resize modes 2 and 3, different x and y mask blurs, an
 * initial noise multiplier other than 1. docs/server.md lists the mapping.
 */
final class ImageFields {
    /** AUTOMATIC1111's API default denoising strength for img2img. */
    static final double DEFAULT_STRENGTH = 0.75;
    /** AUTOMATIC1111's default mask blur (mask_blur_x and mask_blur_y). */
    static final int DEFAULT_MASK_BLUR = 4;
    /** An init image or mask may have this many times the pixels of the largest output. */
    static final int IMAGE_PIXELS_PER_OUTPUT_PIXEL = 4;

    private static final List<ImageInput.Resize> RESIZE_MODES =
            List.of(ImageInput.Resize.STRETCH, ImageInput.Resize.CROP);
    private static final List<ImageInput.Fill> FILLS = List.of(
            ImageInput.Fill.FILL,
            ImageInput.Fill.ORIGINAL,
            ImageInput.Fill.LATENT_NOISE,
            ImageInput.Fill.LATENT_NOTHING);

    private ImageFields() {}

    /** The image input of an img2img body; a 422 names the first field torchsd cannot use. */
    static ImageInput read(JsonBody body, Limits limits) {
        long maxPixels = limits.maxPixels() * IMAGE_PIXELS_PER_OUTPUT_PIXEL;
        List<String> images = body.strings("init_images");
        if (images.isEmpty()) {
            throw new FieldException("init_images", "init_images is required: a list with one base64 image");
        }
        if (images.size() > 1) {
            throw new FieldException("init_images", "torchsd starts from one image; init_images has " + images.size());
        }
        BufferedImage image = Base64Image.decode(images.get(0), "init_images.0", maxPixels);
        ImageInput input = ImageInput.of(image)
                .withStrength(body.number("denoising_strength", DEFAULT_STRENGTH))
                .withResize(resize(body.smallInteger("resize_mode", 0)))
                .withStepCount(ImageInput.StepCount.A1111);
        double noise = body.number("initial_noise_multiplier", 1.0);
        if (noise != 1.0) {
            throw new FieldException(
                    "initial_noise_multiplier",
                    "torchsd adds the noise unscaled; send 1 or leave it out, got " + noise);
        }
        String mask = body.optionalString("mask").filter(m -> !m.isBlank()).orElse(null);
        if (mask == null) {
            return input;
        }
        BufferedImage m = Base64Image.decode(mask, "mask", maxPixels);
        if (m.getWidth() != image.getWidth() || m.getHeight() != image.getHeight()) {
            throw new FieldException(
                    "mask",
                    "the mask is " + m.getWidth() + "x" + m.getHeight() + ", init_images.0 is " + image.getWidth() + "x"
                            + image.getHeight() + "; send a mask of the image's size");
        }
        return input.withMask(m)
                .withMaskBlur(maskBlur(body))
                .withInvertedMask(body.flag("inpainting_mask_invert", false))
                .withInpaintArea(
                        body.flag("inpaint_full_res", true)
                                ? ImageInput.InpaintArea.MASKED
                                : ImageInput.InpaintArea.WHOLE,
                        body.smallInteger("inpaint_full_res_padding", 0))
                .withFill(choice(FILLS, body.smallInteger("inpainting_fill", 0), "inpainting_fill"));
    }

    private static ImageInput.Resize resize(int mode) {
        if (mode == 2 || mode == 3) {
            throw new FieldException(
                    "resize_mode",
                    "resize_mode " + mode + " (" + (mode == 2 ? "resize and fill" : "latent upscale")
                            + ") is not in torchsd; use 0 (just resize) or 1 (crop and resize)");
        }
        return choice(RESIZE_MODES, mode, "resize_mode");
    }

    /** mask_blur sets both; else mask_blur_x and mask_blur_y, which must agree (torchsd blurs by one radius). */
    private static int maskBlur(JsonBody body) {
        if (body.has("mask_blur")) {
            return body.smallInteger("mask_blur", DEFAULT_MASK_BLUR);
        }
        int x = body.smallInteger("mask_blur_x", DEFAULT_MASK_BLUR);
        int y = body.smallInteger("mask_blur_y", DEFAULT_MASK_BLUR);
        if (x != y) {
            throw new FieldException(
                    "mask_blur_y", "torchsd blurs a mask by one radius; mask_blur_x is " + x + ", mask_blur_y " + y);
        }
        return x;
    }

    private static <T> T choice(List<T> values, int index, String field) {
        if (index < 0 || index >= values.size()) {
            throw new FieldException(
                    field, field + " must be in 0.." + (values.size() - 1) + " " + values + ", got " + index);
        }
        return values.get(index);
    }
}
