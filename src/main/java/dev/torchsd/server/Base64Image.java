package dev.torchsd.server;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An image a client sends as AUTOMATIC1111's clients do: base64, with or without a
 * {@code data:image/...;base64,} prefix. Every problem is a 422 on the field it came in; the size
 * is read from the header and checked before the pixels are decoded (a small PNG may hold a huge image).
 */
final class Base64Image {
    private Base64Image() {}

    /** The bytes of a base64 field; a 422 on {@code field} when it is not base64 (URLs are refused: nothing is fetched). */
    static byte[] bytes(String text, String field) {
        String data = text.strip();
        String lower = data.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            throw new FieldException(field, field + " is a URL; torchsd fetches nothing, send the image as base64");
        }
        if (lower.startsWith("data:")) {
            data = data.substring(data.indexOf(',') + 1);
        }
        if (data.isEmpty()) {
            throw new FieldException(field, field + " is empty; send a base64 PNG or JPEG");
        }
        try {
            return Base64.getMimeDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new FieldException(field, field + " is not valid base64: " + e.getMessage());
        }
    }

    /** The image of a base64 field, read as {@code ImageIO.read} reads a file; at most {@code maxPixels} pixels. */
    static BufferedImage decode(String text, String field, long maxPixels) {
        byte[] bytes = bytes(text, field);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new FieldException(
                        field,
                        field + " is not an image this server reads (PNG, JPEG, BMP, GIF): " + bytes.length
                                + " bytes starting " + start(bytes));
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw new FieldException(
                            field,
                            field + " is " + reader.getWidth(0) + "x" + reader.getHeight(0) + " = " + pixels
                                    + " pixels; this server reads images of at most " + maxPixels + " pixels");
                }
                return reader.read(0, reader.getDefaultReadParam());
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof FieldException f) {
                throw f;
            }
            throw new FieldException(field, field + " is not a readable image: " + e.getMessage());
        }
    }

    private static String start(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format(Locale.ROOT, "%02x", bytes[i]));
        }
        return hex.length() == 0 ? "(nothing)" : hex.toString();
    }
}
