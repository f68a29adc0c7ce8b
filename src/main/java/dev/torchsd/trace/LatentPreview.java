package dev.torchsd.trace;

import dev.torchsd.image.ImageConversion;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import org.bytedeco.pytorch.Tensor;

/**
 * A cheap picture of SD 1.x latents without the VAE: each pixel's RGB is a fixed linear map of its
 * four latent channels, the well-known approximation of the SD 1.x VAE (one value per channel and
 * color, fitted by the community; AUTOMATIC1111 calls it "Approx cheap"). One latent pixel becomes
 * one image pixel, so the preview is 1/8 of the image's size.
 */
public final class LatentPreview {
    /** Rows: latent channels 0..3; columns: R, G, B. */
    private static final float[][] FACTORS = {
        {0.298f, 0.207f, 0.208f},
        {0.187f, 0.286f, 0.173f},
        {-0.158f, 0.189f, 0.264f},
        {-0.184f, -0.271f, -0.473f},
    };

    private LatentPreview() {}

    /** The first image of a (batch, 4, h, w) latent tensor (unscaled SD latents, x0) as RGB. */
    public static BufferedImage of(Tensor latents) {
        long[] shape = Tensors.shape(latents);
        int channels = (int) shape[1];
        int height = (int) shape[2];
        int width = (int) shape[3];
        float[] v;
        try (Tensor first = latents.narrow(0, 0, 1)) {
            v = Tensors.toFloats(first);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            int rgb = 0;
            for (int color = 0; color < 3; color++) {
                float x = 0;
                for (int c = 0; c < Math.min(channels, 4); c++) {
                    x += v[c * plane + p] * FACTORS[c][color];
                }
                rgb = (rgb << 8) | ImageConversion.toByte(x);
            }
            image.setRGB(p % width, p / width, rgb);
        }
        return image;
    }
}
