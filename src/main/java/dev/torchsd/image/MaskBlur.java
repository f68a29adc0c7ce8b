package dev.torchsd.image;

/**
 * AUTOMATIC1111's mask blur: a separable Gaussian of standard deviation {@code sigma} pixels, kernel
 * width {@code 2 * int(2.5 * sigma + 0.5) + 1}, borders mirrored without repeating the edge (OpenCV's
 * default), horizontally then vertically, each pass rounded to 8 bits. OpenCV sums in fixed point;
 * this sums in double, which can differ from it by one level at a few pixels.
 */
public final class MaskBlur {
    private MaskBlur() {}

    /** A 0..255 channel of a width x height image, blurred. */
    public static int[] blur(int[] values, int width, int height, double sigma) {
        if (sigma <= 0) {
            return values.clone();
        }
        double[] kernel = kernel(sigma);
        return pass(pass(values, width, height, kernel, true), width, height, kernel, false);
    }

    static double[] kernel(double sigma) {
        int size = 2 * (int) (2.5 * sigma + 0.5) + 1;
        double[] k = new double[size];
        double total = 0;
        for (int i = 0; i < size; i++) {
            double x = i - (size - 1) / 2.0;
            k[i] = Math.exp(-x * x / (2 * sigma * sigma));
            total += k[i];
        }
        for (int i = 0; i < size; i++) {
            k[i] /= total;
        }
        return k;
    }

    private static int[] pass(int[] in, int width, int height, double[] kernel, boolean horizontal) {
        int radius = kernel.length / 2;
        int[] out = new int[in.length];
        int length = horizontal ? width : height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double sum = 0;
                int at = horizontal ? x : y;
                for (int k = 0; k < kernel.length; k++) {
                    int p = reflect(at + k - radius, length);
                    sum += kernel[k] * (horizontal ? in[y * width + p] : in[p * width + x]);
                }
                out[y * width + x] = (int) Math.max(0, Math.min(255, Math.rint(sum)));
            }
        }
        return out;
    }

    /** OpenCV's BORDER_REFLECT_101: ... 2 1 | 0 1 2 ... n-1 | n-2 ... */
    private static int reflect(int p, int n) {
        if (n == 1) {
            return 0;
        }
        while (p < 0 || p >= n) {
            p = p < 0 ? -p : 2 * (n - 1) - p;
        }
        return p;
    }
}
