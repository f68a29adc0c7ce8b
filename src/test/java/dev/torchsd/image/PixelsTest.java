package dev.torchsd.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PNG files of every kind (8- and 16-bit gray, palette, RGBA) and JPEGs read as PIL reads them. */
class PixelsTest {
    @TempDir
    Path dir;

    BufferedImage roundTrip(BufferedImage image, String format) throws IOException {
        Path file = dir.resolve("image." + format);
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
        return ImageIO.read(file.toFile());
    }

    @Test
    void eightBitGrayIsReadAsStored() throws IOException {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0, 64, 128, 255});
        BufferedImage read = roundTrip(gray, "png");
        assertThat(Pixels.rgb(read)).containsExactly(0, 0x404040, 0x808080, 0xFFFFFF);
        assertThat(Pixels.luminance(read)).containsExactly(0, 64, 128, 255);
    }

    @Test
    void sixteenBitGrayIsScaledToEightBits() throws IOException {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 0x8080, 0xFFFF});
        BufferedImage read = roundTrip(gray, "png");
        assertThat(read.getColorModel().getComponentSize(0)).isEqualTo(16);
        assertThat(Pixels.luminance(read)).containsExactly(0, 128, 255);
    }

    @Test
    void paletteImagesReadTheirColors() throws IOException {
        byte[] r = {(byte) 220, 10};
        byte[] g = {40, (byte) 200};
        byte[] b = {40, 30};
        BufferedImage indexed =
                new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, r, g, b));
        indexed.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {0, 1});
        assertThat(Pixels.rgb(roundTrip(indexed, "png"))).containsExactly(0xDC2828, 0x0AC81E);
    }

    @Test
    void rgbaKeepsTheColorAndOffersTheAlpha() throws IOException {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x00123456);
        rgba.setRGB(1, 0, 0xFF654321);
        BufferedImage read = roundTrip(rgba, "png");
        assertThat(Pixels.rgb(read)).containsExactly(0x123456, 0x654321);
        assertThat(Pixels.alphaIfTransparent(read)).containsExactly(0, 255);
        rgba.setRGB(0, 0, 0xFF123456);
        assertThat(Pixels.alphaIfTransparent(roundTrip(rgba, "png")))
                .as("every pixel opaque")
                .isNull();
    }

    @Test
    void jpegsReadCloseToWhatWasWritten() throws IOException {
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                flat.setRGB(x, y, 0x3C78B4);
            }
        }
        int[] read = Pixels.rgb(roundTrip(flat, "jpg"));
        for (int p : read) {
            assertThat(Math.abs((p >> 16 & 255) - 0x3C)).isLessThanOrEqualTo(3);
            assertThat(Math.abs((p >> 8 & 255) - 0x78)).isLessThanOrEqualTo(3);
            assertThat(Math.abs((p & 255) - 0xB4)).isLessThanOrEqualTo(3);
        }
    }
}
