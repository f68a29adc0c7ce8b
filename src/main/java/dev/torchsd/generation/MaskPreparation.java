package dev.torchsd.generation;

import dev.torchsd.image.LanczosResize;
import dev.torchsd.image.MaskBlur;
import dev.torchsd.image.Pixels;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.pipeline.RequestException;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import org.bytedeco.pytorch.Tensor;

/**
 * The inpainting mask at the request size, as diffusers' mask processor and AUTOMATIC1111 read it:
 * the alpha channel of a mask with real transparency (AUTOMATIC1111), else its luminance (PIL's
 * {@code convert("L")}); resized with PIL's Lanczos filter, inverted and blurred if asked; then
 * binarised at 0.5 (diffusers: {@code mask >= 0.5} repaints). The soft values (after the blur) are
 * what the final image is composited with, so pixels where they are 0 keep the original exactly.
 *
 * @param soft   0..255 per pixel, 255 = repaint
 * @param binary true per pixel that is repainted
 */
record MaskPreparation(int[] soft, boolean[] binary, int width, int height) {

    static MaskPreparation of(ImageInput input, BufferedImage mask, int width, int height) {
        int[] alpha = Pixels.alphaIfTransparent(mask);
        int[] values = alpha != null ? alpha : Pixels.luminance(mask);
        if (mask.getWidth() != width || mask.getHeight() != height) {
            values = LanczosResize.channel(values, mask.getWidth(), mask.getHeight(), width, height);
        }
        if (input.invertMask()) {
            for (int i = 0; i < values.length; i++) {
                values[i] = 255 - values[i];
            }
        }
        values = MaskBlur.blur(values, width, height, input.maskBlur());
        boolean[] binary = new boolean[values.length];
        boolean any = false;
        for (int i = 0; i < values.length; i++) {
            binary[i] = values[i] / 255f >= 0.5f;
            any |= binary[i];
        }
        if (!any) {
            throw new RequestException("the mask repaints nothing: no pixel is at least half white"
                    + (input.invertMask() ? " after inverting" : "") + " (white = repaint"
                    + (alpha != null ? "; this mask has transparency, so its alpha channel is the mask" : "") + ")");
        }
        return new MaskPreparation(values, binary, width, height);
    }

    /** The binary mask at the latent size (1, 1, h, w): torch's nearest interpolation, pixel (y * f, x * f). */
    Tensor latentMask(int scaleFactor) {
        int w = width / scaleFactor;
        int h = height / scaleFactor;
        float[] values = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                values[y * w + x] = binary[y * scaleFactor * width + x * scaleFactor] ? 1f : 0f;
            }
        }
        return Tensors.fromFloats(values, 1, 1, h, w);
    }

    /** diffusers' masked image {@code image * (mask < 0.5)}: repainted pixels at 0 (grey), as (1, 3, H, W). */
    Tensor maskedImage(Tensor image) {
        float[] keep = new float[binary.length];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = binary[i] ? 0f : 1f;
        }
        return Tensors.scoped(() -> image.mul(Tensors.fromFloats(keep, 1, 1, height, width)));
    }

    /** AUTOMATIC1111's "fill": repainted pixels take the kept pixels' mean colour. */
    int[] filled(int[] rgb) {
        long[] sum = new long[3];
        long kept = 0;
        for (int i = 0; i < rgb.length; i++) {
            if (!binary[i]) {
                for (int c = 0; c < 3; c++) {
                    sum[c] += rgb[i] >> (16 - 8 * c) & 0xFF;
                }
                kept++;
            }
        }
        int mean = 0;
        for (int c = 0; c < 3 && kept > 0; c++) {
            mean |= (int) Math.round((double) sum[c] / kept) << (16 - 8 * c);
        }
        int[] out = rgb.clone();
        for (int i = 0; i < out.length; i++) {
            if (binary[i]) {
                out[i] = mean;
            }
        }
        return out;
    }

    /**
     * The generated pixels composited over the original with the soft mask (diffusers' apply_overlay):
     * {@code round((generated * m + original * (255 - m)) / 255)}, so m = 0 keeps the original exactly.
     */
    int[] overlay(int[] generated, int[] original) {
        int[] out = new int[generated.length];
        for (int i = 0; i < out.length; i++) {
            int m = soft[i];
            int p = 0;
            for (int c = 0; c < 3; c++) {
                int shift = 16 - 8 * c;
                int g = generated[i] >> shift & 0xFF;
                int o = original[i] >> shift & 0xFF;
                p |= ((g * m + o * (255 - m) + 127) / 255) << shift;
            }
            out[i] = p;
        }
        return out;
    }
}
