package dev.torchsd.image;

/**
 * PIL's {@code Image.resize(size, Image.LANCZOS)} on 8-bit channels, in its arithmetic: a Lanczos-3
 * kernel widened by the downscale factor, normalised weights in 22-bit fixed point, the horizontal
 * pass rounded to 8 bits before the vertical one. diffusers resizes its inputs this way, so torchsd
 * resizes an image to the request size with it, and hires fix upscales with it.
 */
public final class LanczosResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 3.0;

    private LanczosResize() {}

    /** Packed 0xRRGGBB pixels of a {@code width x height} image resized to {@code newWidth x newHeight}. */
    public static int[] rgb(int[] rgb, int width, int height, int newWidth, int newHeight) {
        int[][] channels = new int[3][rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            channels[0][i] = rgb[i] >> 16 & 0xFF;
            channels[1][i] = rgb[i] >> 8 & 0xFF;
            channels[2][i] = rgb[i] & 0xFF;
        }
        int[] out = new int[newWidth * newHeight];
        for (int c = 0; c < 3; c++) {
            int[] resized = channel(channels[c], width, height, newWidth, newHeight);
            for (int i = 0; i < out.length; i++) {
                out[i] |= resized[i] << (16 - 8 * c);
            }
        }
        return out;
    }

    /** One 0..255 channel resized. */
    public static int[] channel(int[] values, int width, int height, int newWidth, int newHeight) {
        int[] v = values;
        if (newWidth != width) {
            v = pass(v, width, height, newWidth, true);
        }
        if (newHeight != height) {
            v = pass(v, newWidth, height, newHeight, false);
        }
        return v == values ? values.clone() : v;
    }

    /** One direction: rows (horizontal) or columns of a width x height image to {@code outSize}. */
    private static int[] pass(int[] in, int width, int height, int outSize, boolean horizontal) {
        int inSize = horizontal ? width : height;
        int lines = horizontal ? height : width;
        Coefficients k = Coefficients.of(inSize, outSize);
        int outWidth = horizontal ? outSize : width;
        int[] out = new int[horizontal ? outSize * height : width * outSize];
        for (int line = 0; line < lines; line++) {
            for (int o = 0; o < outSize; o++) {
                long sum = 1L << (PRECISION_BITS - 1);
                for (int x = 0; x < k.count[o]; x++) {
                    int pos = k.first[o] + x;
                    int pixel = horizontal ? in[line * width + pos] : in[pos * width + line];
                    sum += (long) pixel * k.weights[o][x];
                }
                int value = (int) Math.max(0, Math.min(255, sum >> PRECISION_BITS));
                out[horizontal ? line * outWidth + o : o * outWidth + line] = value;
            }
        }
        return out;
    }

    /** PIL's precompute_coeffs and normalize_coeffs_8bpc for one direction. */
    private record Coefficients(int[] first, int[] count, int[][] weights) {
        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[][] weights = new int[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize) - min;
                double[] w = new double[max];
                double total = 0;
                double inverse = 1.0 / filterScale;
                for (int x = 0; x < max; x++) {
                    w[x] = lanczos((x + min - center + 0.5) * inverse);
                    total += w[x];
                }
                weights[o] = new int[max];
                for (int x = 0; x < max; x++) {
                    double normalised = total != 0 ? w[x] / total : w[x];
                    double fixed = normalised * (1 << PRECISION_BITS);
                    weights[o][x] = (int) (fixed < 0 ? fixed - 0.5 : fixed + 0.5);
                }
                first[o] = min;
                count[o] = max;
            }
            return new Coefficients(first, count, weights);
        }
    }

    private static double lanczos(double x) {
        return x > -SUPPORT && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0.0;
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
