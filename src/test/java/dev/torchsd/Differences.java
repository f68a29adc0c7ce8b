package dev.torchsd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import org.bytedeco.pytorch.Tensor;

/** How far two results are apart: tensors element by element, images channel by channel (0..255). */
public final class Differences {
    private Differences() {}

    /** The largest absolute difference of two equally sized tensors. */
    public static double maxAbsDifference(Tensor a, Tensor b) {
        float[] x = Tensors.toFloats(a);
        float[] y = Tensors.toFloats(b);
        assertThat(x).hasSameSizeAs(y);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    /** The largest difference of a red, green or blue value between two images of the same size. */
    public static int maxPixelDifference(BufferedImage a, BufferedImage b) {
        return (int) channelDifferences(a, b)[0];
    }

    /** The mean difference of the red, green and blue values of two images of the same size. */
    public static double meanPixelDifference(BufferedImage a, BufferedImage b) {
        return channelDifferences(a, b)[1];
    }

    /** {largest, mean} difference over every pixel's red, green and blue values. */
    private static double[] channelDifferences(BufferedImage a, BufferedImage b) {
        assertThat(b.getWidth()).as("width").isEqualTo(a.getWidth());
        assertThat(b.getHeight()).as("height").isEqualTo(a.getHeight());
        int max = 0;
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    int d = Math.abs(((p >> shift) & 255) - ((q >> shift) & 255));
                    max = Math.max(max, d);
                    sum += d;
                }
            }
        }
        return new double[] {max, sum / (3.0 * a.getWidth() * a.getHeight())};
    }
}
