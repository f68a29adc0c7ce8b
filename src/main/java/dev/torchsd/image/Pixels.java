package dev.torchsd.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;

/**
 * An image's 8-bit values as PIL reads them ({@code convert("RGB")}, {@code convert("L")}), whatever
 * the file's kind: 8- or 16-bit, grayscale, palette, RGB or RGBA. Grayscale rasters are read as their
 * stored values (Java's {@code getRGB} would take them as linear light and brighten them); 16-bit
 * values are scaled to 8 bits by {@code round(v * 255 / 65535)}; alpha is dropped from the colour.
 */
public final class Pixels {
    private Pixels() {}

    /** The image as one 0xRRGGBB value per pixel, row by row. */
    public static int[] rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] out = new int[w * h];
        if (isGray(image)) {
            int[] gray = gray(image);
            for (int i = 0; i < out.length; i++) {
                out[i] = gray[i] * 0x010101;
            }
            return out;
        }
        image.getRGB(0, 0, w, h, out, 0, w);
        for (int i = 0; i < out.length; i++) {
            out[i] &= 0xFFFFFF;
        }
        return out;
    }

    /** The luminance 0..255 per pixel, as PIL's {@code convert("L")} (ITU-R 601-2 weights, fixed point). */
    public static int[] luminance(BufferedImage image) {
        if (isGray(image)) {
            return gray(image);
        }
        int[] rgb = rgb(image);
        int[] out = new int[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            int p = rgb[i];
            out[i] = ((p >> 16 & 0xFF) * 19595 + (p >> 8 & 0xFF) * 38470 + (p & 0xFF) * 7471 + 0x8000) >> 16;
        }
        return out;
    }

    /** The alpha 0..255 per pixel, or null when the image has no transparency at all (every pixel opaque). */
    public static int[] alphaIfTransparent(BufferedImage image) {
        if (!image.getColorModel().hasAlpha()) {
            return null;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        boolean transparent = false;
        int[] alpha = new int[argb.length];
        for (int i = 0; i < argb.length; i++) {
            alpha[i] = argb[i] >>> 24;
            transparent |= alpha[i] != 255;
        }
        return transparent ? alpha : null;
    }

    /** An RGB image of packed 0xRRGGBB values. */
    public static BufferedImage image(int[] rgb, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }

    private static boolean isGray(BufferedImage image) {
        ColorModel model = image.getColorModel();
        return model.getColorSpace().getType() == ColorSpace.TYPE_GRAY && model.getNumColorComponents() == 1;
    }

    private static int[] gray(BufferedImage image) {
        Raster raster = image.getRaster();
        int bits = image.getColorModel().getComponentSize(0);
        int max = (1 << bits) - 1;
        int w = image.getWidth();
        int h = image.getHeight();
        int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
        if (bits != 8) {
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (int) Math.round(samples[i] * 255.0 / max);
            }
        }
        return samples;
    }
}
