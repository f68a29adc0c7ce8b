package dev.torchsd.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Images side by side with a label under each and a title above; small images are scaled up to 256 px. */
public final class ImageGrid {
    private static final int MIN_CELL = 256;

    private ImageGrid() {}

    public static BufferedImage render(String title, List<BufferedImage> images, List<String> labels) {
        int cellW = Math.max(MIN_CELL, images.get(0).getWidth());
        int cellH = (int) Math.round(
                (double) cellW * images.get(0).getHeight() / images.get(0).getWidth());
        int pad = 10;
        int top = 30;
        int labelHeight = 22;
        int width = pad + images.size() * (cellW + pad);
        int height = top + cellH + labelHeight + pad;
        BufferedImage grid = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, pad, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i < images.size(); i++) {
            int x = pad + i * (cellW + pad);
            g.drawImage(images.get(i), x, top, cellW, cellH, null);
            g.drawString(labels.get(i), x, top + cellH + 16);
        }
        g.dispose();
        return grid;
    }
}
