package dev.torchsd.generation;

import dev.torchsd.image.LanczosResize;
import dev.torchsd.image.Pixels;
import dev.torchsd.pipeline.GenerationRequest;
import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.RequestException;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * AUTOMATIC1111's "Only masked" inpainting ({@link ImageInput.InpaintArea#MASKED}; diffusers'
 * padding_mask_crop): the mask's bounding box, padded, grown to the request's aspect ratio and
 * kept inside the image; that part of the image and mask scaled to the request size and inpainted
 * whole; the result scaled back and composited into the image with the mask. The image is first
 * fitted to the request size, so the result has the request size (AUTOMATIC1111 pastes into the
 * image at its own size).
 */
final class MaskedArea {
    /** A pixel rectangle [x1, x2) x [y1, y2). */
    record Region(int x1, int y1, int x2, int y2) {
        int width() {
            return x2 - x1;
        }

        int height() {
            return y2 - y1;
        }
    }

    private MaskedArea() {}

    static boolean applies(GenerationRequest r) {
        return r.image()
                .filter(i -> i.mask().isPresent() && i.inpaintArea() == ImageInput.InpaintArea.MASKED)
                .isPresent();
    }

    /** Inpaints the masked area of resolved request {@code r} with {@code generate} (the whole-image pipeline). */
    static GenerationResult generate(GenerationRequest r, Function<GenerationRequest, GenerationResult> generate) {
        ImageInput input = r.image().orElseThrow();
        int w = r.width().getAsInt();
        int h = r.height().getAsInt();
        int[] original = ImagePreparation.fitted(input.image(), input.resize(), w, h);
        MaskPreparation mask = MaskPreparation.of(input, input.mask().orElseThrow(), w, h);
        Region region = expand(bounds(mask.soft(), w, h, input.maskedPadding()), w, h);
        if (region.width() == w && region.height() == h && allRepainted(mask.soft())) {
            throw new RequestException("the mask repaints the whole image: inpaint area 'masked' needs a part to keep"
                    + " (use inpaint area 'whole')");
        }
        int[] cropImage = LanczosResize.rgb(crop(original, w, region), region.width(), region.height(), w, h);
        int[] cropMask = LanczosResize.channel(crop(mask.soft(), w, region), region.width(), region.height(), w, h);
        ImageInput inner = ImageInput.of(Pixels.image(cropImage, w, h))
                .withMask(gray(cropMask, w, h))
                .withResize(input.resize())
                .withFill(input.fill())
                .withSampling(input.sampling())
                .withStepCount(input.stepCount());
        if (input.strength().isPresent()) {
            inner = inner.withStrength(input.strength().getAsDouble());
        }
        GenerationResult result = generate.apply(r.withImage(inner));
        List<BufferedImage> images = new ArrayList<>();
        for (BufferedImage image : result.images()) {
            int[] back = LanczosResize.rgb(Pixels.rgb(image), w, h, region.width(), region.height());
            int[] pasted = original.clone();
            for (int y = 0; y < region.height(); y++) {
                System.arraycopy(back, y * region.width(), pasted, (y + region.y1()) * w + region.x1(), region.width());
            }
            images.add(Pixels.image(mask.overlay(pasted, original), w, h));
        }
        return new GenerationResult(
                r.toBuilder()
                        .scheduler(result.request().scheduler().orElse(null))
                        .build(),
                result.modelName(),
                result.sampler(),
                images,
                result.latents(),
                result.warnings());
    }

    /** The bounding box of the pixels with a mask value above 0, padded, inside the image. */
    static Region bounds(int[] soft, int w, int h, int padding) {
        int x1 = w;
        int y1 = h;
        int x2 = 0;
        int y2 = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (soft[y * w + x] > 0) {
                    x1 = Math.min(x1, x);
                    y1 = Math.min(y1, y);
                    x2 = Math.max(x2, x + 1);
                    y2 = Math.max(y2, y + 1);
                }
            }
        }
        return new Region(
                Math.max(x1 - padding, 0),
                Math.max(y1 - padding, 0),
                Math.min(x2 + padding, w),
                Math.min(y2 + padding, h));
    }

    /** AUTOMATIC1111's expand_crop_region: grown on the short side to the image's aspect, shifted inside it. */
    static Region expand(Region r, int w, int h) {
        double ratio = (double) w / h;
        int x1 = r.x1();
        int y1 = r.y1();
        int x2 = r.x2();
        int y2 = r.y2();
        if ((double) r.width() / r.height() > ratio) {
            int grow = (int) (r.width() / ratio - r.height());
            y1 -= grow / 2;
            y2 += grow - grow / 2;
            int[] span = inside(y1, y2, h);
            y1 = span[0];
            y2 = span[1];
        } else {
            int grow = (int) (r.height() * ratio - r.width());
            x1 -= grow / 2;
            x2 += grow - grow / 2;
            int[] span = inside(x1, x2, w);
            x1 = span[0];
            x2 = span[1];
        }
        return new Region(x1, y1, x2, y2);
    }

    private static int[] inside(int from, int to, int size) {
        if (to > size) {
            from -= to - size;
            to = size;
        }
        if (from < 0) {
            to -= from;
            from = 0;
        }
        return new int[] {from, Math.min(to, size)};
    }

    private static boolean allRepainted(int[] soft) {
        for (int v : soft) {
            if (v < 255) {
                return false;
            }
        }
        return true;
    }

    private static int[] crop(int[] pixels, int w, Region r) {
        int[] out = new int[r.width() * r.height()];
        for (int y = 0; y < r.height(); y++) {
            System.arraycopy(pixels, (y + r.y1()) * w + r.x1(), out, y * r.width(), r.width());
        }
        return out;
    }

    private static BufferedImage gray(int[] values, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, w, h, 0, values);
        return image;
    }
}
