package dev.torchsd.generation;

import dev.torchsd.image.LanczosResize;
import dev.torchsd.image.Pixels;
import dev.torchsd.pipeline.ImageInput;
import dev.torchsd.tensor.Tensors;
import java.awt.image.BufferedImage;
import org.bytedeco.pytorch.Tensor;

/**
 * The start image as diffusers' image processor prepares it: RGB (PIL's {@code convert("RGB")}),
 * resized to the request size with PIL's Lanczos filter when it has another size ({@link ImageInput.Resize}),
 * then {@code x / 255 * 2 - 1} in float32, as a (1, 3, height, width) tensor.
 */
final class ImagePreparation {
    private ImagePreparation() {}

    /** The image's pixels (0xRRGGBB) at {@code width x height}. */
    static int[] fitted(BufferedImage image, ImageInput.Resize mode, int width, int height) {
        int[] rgb = Pixels.rgb(image);
        int w = image.getWidth();
        int h = image.getHeight();
        if (w == width && h == height) {
            return rgb;
        }
        if (mode == ImageInput.Resize.STRETCH) {
            return LanczosResize.rgb(rgb, w, h, width, height);
        }
        // AUTOMATIC1111's "Crop and resize": scale to cover, keep the centre (integer arithmetic as its resize_image)
        boolean wider = (double) width / height > (double) w / h;
        int scaledW = wider ? width : w * height / h;
        int scaledH = wider ? h * width / w : height;
        int[] scaled = LanczosResize.rgb(rgb, w, h, scaledW, scaledH);
        int left = scaledW / 2 - width / 2;
        int top = scaledH / 2 - height / 2;
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            System.arraycopy(scaled, (y + top) * scaledW + left, out, y * width, width);
        }
        return out;
    }

    /** (1, 3, height, width) values in [-1, 1]: {@code x / 255 * 2 - 1} in float32, as diffusers' normalize. */
    static Tensor toTensor(int[] rgb, int width, int height) {
        int plane = width * height;
        float[] values = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (rgb[i] >> (16 - 8 * c) & 0xFF) / 255f;
                values[c * plane + i] = 2f * v - 1f;
            }
        }
        return Tensors.fromFloats(values, 1, 3, height, width);
    }
}
