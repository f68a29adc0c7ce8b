package dev.torchsd.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * PNG files with the generation parameters in a "parameters" text chunk (tEXt when the text is
 * Latin-1, iTXt UTF-8 otherwise), as AUTOMATIC1111 writes them. Files appear whole or not at all
 * ({@link WholeFile}).
 */
public final class PngWriter {
    public static final String KEY = "parameters";
    private static final String FORMAT = "javax_imageio_png_1.0";

    private PngWriter() {}

    /** Writes the PNG to {@code file}: whole or not at all ({@link WholeFile}). */
    public static void write(BufferedImage image, String parameters, Path file) {
        WholeFile.checkWritable(file);
        WholeFile.write(file, encode(image, parameters));
    }

    /** Writes the PNG to {@code out} (left open), e.g. an HTTP response. */
    public static void write(BufferedImage image, String parameters, OutputStream out) throws IOException {
        out.write(encode(image, parameters));
    }

    /** The PNG file's bytes. */
    public static byte[] encode(BufferedImage image, String parameters) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            encode(image, parameters, out);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e); // in memory: a bug, not bad input
        }
        return bytes.toByteArray();
    }

    private static void encode(BufferedImage image, String parameters, ImageOutputStream out) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try {
            writer.setOutput(out);
            IIOMetadata metadata =
                    writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
            addText(metadata, parameters);
            writer.write(null, new IIOImage(image, null, metadata), null);
        } finally {
            writer.dispose();
        }
    }

    private static void addText(IIOMetadata metadata, String text) throws IIOInvalidTreeException {
        IIOMetadataNode root = new IIOMetadataNode(FORMAT);
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(text)) {
            IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
            entry.setAttribute("keyword", KEY);
            entry.setAttribute("value", text);
            IIOMetadataNode chunk = new IIOMetadataNode("tEXt");
            chunk.appendChild(entry);
            root.appendChild(chunk);
        } else {
            IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
            entry.setAttribute("keyword", KEY);
            entry.setAttribute("compressionFlag", "FALSE");
            entry.setAttribute("compressionMethod", "0");
            entry.setAttribute("languageTag", "");
            entry.setAttribute("translatedKeyword", "");
            entry.setAttribute("text", text);
            IIOMetadataNode chunk = new IIOMetadataNode("iTXt");
            chunk.appendChild(entry);
            root.appendChild(chunk);
        }
        metadata.mergeTree(FORMAT, root);
    }

    /** Reads the "parameters" text of a PNG, or null when it has none. */
    public static String readParameters(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readParameters(in);
        }
    }

    /** Reads the "parameters" text of a PNG from {@code png} (left open), or null when it has none. */
    public static String readParameters(InputStream png) throws IOException {
        try (var in = ImageIO.createImageInputStream(png)) {
            if (in == null) {
                throw new IOException("cannot read the PNG stream");
            }
            var reader = ImageIO.getImageReadersByFormatName("png").next();
            try {
                reader.setInput(in);
                IIOMetadataNode root =
                        (IIOMetadataNode) reader.getImageMetadata(0).getAsTree(FORMAT);
                for (String chunk : new String[] {"tEXtEntry", "iTXtEntry"}) {
                    var entries = root.getElementsByTagName(chunk);
                    for (int i = 0; i < entries.getLength(); i++) {
                        IIOMetadataNode e = (IIOMetadataNode) entries.item(i);
                        if (KEY.equals(e.getAttribute("keyword"))) {
                            return chunk.startsWith("tEXt") ? e.getAttribute("value") : e.getAttribute("text");
                        }
                    }
                }
                return null;
            } finally {
                reader.dispose();
            }
        }
    }
}
