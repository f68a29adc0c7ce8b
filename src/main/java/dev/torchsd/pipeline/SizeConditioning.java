package dev.torchsd.pipeline;

/**
 * SDXL's size micro-conditioning, diffusers' {@code original_size}, {@code crops_coords_top_left} and
 * {@code target_size}: what the U-Net is told about the training image the result should look like (a small
 * original size looks upscaled, a crop looks cut). A size of 0 is the request's size, diffusers' default
 * {@code (height, width)}; the crop defaults to {@code (0, 0)}.
 *
 * @param originalWidth  the original image's width, 0 = the request's width
 * @param originalHeight the original image's height, 0 = the request's height
 * @param cropTop        the crop's top edge in pixels
 * @param cropLeft       the crop's left edge in pixels
 * @param targetWidth    the target width, 0 = the request's width
 * @param targetHeight   the target height, 0 = the request's height
 */
public record SizeConditioning(
        int originalWidth, int originalHeight, int cropTop, int cropLeft, int targetWidth, int targetHeight) {
    /** diffusers' defaults: original and target size the image's, no crop. */
    public static final SizeConditioning DEFAULT = new SizeConditioning(0, 0, 0, 0, 0, 0);

    /**
     * Checks the values.
     *
     * @param originalWidth  the original image's width, 0 = the request's width
     * @param originalHeight the original image's height, 0 = the request's height
     * @param cropTop        the crop's top edge in pixels
     * @param cropLeft       the crop's left edge in pixels
     * @param targetWidth    the target width, 0 = the request's width
     * @param targetHeight   the target height, 0 = the request's height
     * @throws RequestException if a value is outside 0..65536
     */
    public SizeConditioning {
        int[] values = {originalWidth, originalHeight, cropTop, cropLeft, targetWidth, targetHeight};
        for (int v : values) {
            if (v < 0 || v > 1 << 16) {
                throw new RequestException("SDXL size conditioning values must be in 0..65536, got " + v);
            }
        }
    }

    /**
     * This conditioning with another original size.
     *
     * @param width  pixels, 0 = the request's width
     * @param height pixels, 0 = the request's height
     * @return a new value
     */
    public SizeConditioning withOriginalSize(int width, int height) {
        return new SizeConditioning(width, height, cropTop, cropLeft, targetWidth, targetHeight);
    }

    /**
     * This conditioning with another crop.
     *
     * @param top  pixels
     * @param left pixels
     * @return a new value
     */
    public SizeConditioning withCrop(int top, int left) {
        return new SizeConditioning(originalWidth, originalHeight, top, left, targetWidth, targetHeight);
    }

    /**
     * This conditioning with another target size.
     *
     * @param width  pixels, 0 = the request's width
     * @param height pixels, 0 = the request's height
     * @return a new value
     */
    public SizeConditioning withTargetSize(int width, int height) {
        return new SizeConditioning(originalWidth, originalHeight, cropTop, cropLeft, width, height);
    }

    /**
     * The time ids of an image of {@code width} x {@code height}: original (h, w), crop (top, left), target (h, w).
     *
     * @param width  the request's width
     * @param height the request's height
     * @return six numbers, in diffusers' order
     */
    public double[] timeIds(int width, int height) {
        return new double[] {
            originalHeight == 0 ? height : originalHeight,
            originalWidth == 0 ? width : originalWidth,
            cropTop,
            cropLeft,
            targetHeight == 0 ? height : targetHeight,
            targetWidth == 0 ? width : targetWidth
        };
    }
}
