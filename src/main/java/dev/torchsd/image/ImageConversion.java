package dev.torchsd.image;

import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Decoded tensors to 8-bit RGB images, exactly as diffusers' image processor does it:
 * {@code (x / 2 + 0.5).clamp(0, 1)}, times 255 in float32, rounded half to even (numpy's round).
 */
public final class ImageConversion {
    private ImageConversion() {}

    /** (batch, 3, height, width) values in [-1, 1] to one RGB image per batch entry. */
    public static List<BufferedImage> toImages(Tensor decoded) {
        long[] shape = Tensors.shape(decoded);
        if (shape.length != 4 || shape[1] != 3) {
            throw new IllegalArgumentException(
                    "expected (batch, 3, height, width), got " + java.util.Arrays.toString(shape));
        }
        float[] values = Tensors.toFloats(decoded);
        int batch = (int) shape[0];
        int height = (int) shape[2];
        int width = (int) shape[3];
        int plane = height * width;
        List<BufferedImage> images = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int base = b * 3 * plane;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    int r = toByte(values[base + p]);
                    int g = toByte(values[base + plane + p]);
                    int bl = toByte(values[base + 2 * plane + p]);
                    image.setRGB(x, y, (r << 16) | (g << 8) | bl);
                }
            }
            images.add(image);
        }
        return images;
    }

    /** One channel value in [-1, 1] to 0..255; NaN becomes 0 (numpy's NaN-to-uint8 is undefined; we pick black). */
    public static int toByte(float value) {
        float v = value / 2f + 0.5f;
        if (!(v > 0f)) {
            v = 0f;
        } else if (v > 1f) {
            v = 1f;
        }
        return (int) Math.rint(v * 255f);
    }
}
