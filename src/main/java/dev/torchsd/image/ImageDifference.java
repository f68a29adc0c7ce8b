package dev.torchsd.image;

import java.awt.image.BufferedImage;

/**
 * Pixel difference of two images of one size, over the R, G and B channels (0..255).
 *
 * @param meanAbsolute mean absolute difference per channel value
 * @param meanSquared  mean squared difference per channel value
 */
public record ImageDifference(double meanAbsolute, double meanSquared) {

    /** The difference of {@code a} and {@code b}; they must have one size. */
    public static ImageDifference of(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            throw new IllegalArgumentException("images differ in size: " + a.getWidth() + "x" + a.getHeight() + " and "
                    + b.getWidth() + "x" + b.getHeight());
        }
        double absolute = 0;
        double squared = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    int d = ((p >> shift) & 0xFF) - ((q >> shift) & 0xFF);
                    absolute += Math.abs(d);
                    squared += d * d;
                }
            }
        }
        double values = 3.0 * a.getWidth() * a.getHeight();
        return new ImageDifference(absolute / values, squared / values);
    }

    /** Peak signal-to-noise ratio in dB of a mean squared error; infinite for identical images. */
    public static double psnr(double meanSquared) {
        return 10 * Math.log10(255.0 * 255.0 / meanSquared);
    }
}
