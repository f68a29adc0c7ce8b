package dev.torchsd.trace;

import dev.torchsd.pipeline.GenerationResult;
import dev.torchsd.pipeline.ImageInput;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One page that shows when the negative prompt starts to matter: the predicted clean image of
 * every step in a row (wrapping), the final image, and two plots over the steps: the norms of
 * eps(negative), eps(positive) and the guidance term, and the cosine between eps(negative) and
 * eps(positive). Steps where the negative prompt is active are shaded.
 */
public final class ContactSheet {
    private static final int CELL = 72;
    private static final int COLUMNS = 12;
    private static final int PLOT_HEIGHT = 200;
    private static final Color SHADE = new Color(255, 225, 225);

    private ContactSheet() {}

    public static BufferedImage render(
            List<StepRecord> records, List<BufferedImage> previews, GenerationResult result) {
        int rows = (previews.size() + COLUMNS - 1) / COLUMNS;
        int width = COLUMNS * CELL + 2 * CELL + 40;
        int top = 50;
        int previewsHeight = rows * (CELL + 14);
        BufferedImage start = result.request().image().map(ImageInput::image).orElse(null);
        int imagesHeight = start == null ? 2 * CELL + 14 : 4 * CELL + 28; // the final image, and the start image
        int height = top + Math.max(previewsHeight, imagesHeight) + 2 * (PLOT_HEIGHT + 30) + 20;
        BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        String[] lines = result.infotext().split("\n");
        for (int i = 0; i < Math.min(lines.length, 3); i++) {
            g.drawString(abbreviate(lines[i], 160), 10, 14 + i * 13);
        }
        for (int i = 0; i < previews.size(); i++) {
            int x = 10 + (i % COLUMNS) * CELL;
            int y = top + (i / COLUMNS) * (CELL + 14);
            if (records.get(i).negativeActive()) {
                g.setColor(SHADE);
                g.fillRect(x - 2, y - 2, CELL, CELL + 14);
            }
            g.drawImage(previews.get(i), x, y, CELL - 4, CELL - 4, null);
            g.setColor(Color.DARK_GRAY);
            g.drawString(Integer.toString(records.get(i).call()), x, y + CELL + 8); // the scheduler's call index
        }
        int finalX = 20 + COLUMNS * CELL;
        g.drawImage(result.image(), finalX, top, 2 * CELL - 4, 2 * CELL - 4, null);
        g.setColor(Color.BLACK);
        g.drawString("final image", finalX, top + 2 * CELL + 10);
        if (start != null) {
            int startY = top + 2 * CELL + 14;
            g.drawImage(start, finalX, startY, 2 * CELL - 4, 2 * CELL - 4, null);
            g.drawString(
                    "start image, loop from call "
                            + (records.isEmpty() ? "-" : records.get(0).call()),
                    finalX,
                    startY + 2 * CELL + 10);
        }
        int plotTop = top + Math.max(previewsHeight, imagesHeight) + 10;
        int plotWidth = width - 80;
        plot(
                g,
                records,
                50,
                plotTop,
                plotWidth,
                "norms over the U-Net calls",
                new Series("|eps(negative)|", new Color(40, 90, 200), StepRecord::normNegative),
                new Series("|eps(positive)|", new Color(200, 40, 40), StepRecord::normPositive),
                new Series("|w (eps(pos) - eps(neg))|", new Color(230, 140, 0), StepRecord::normGuidance));
        plot(
                g,
                records,
                50,
                plotTop + PLOT_HEIGHT + 30,
                plotWidth,
                "cos(eps(negative), eps(positive))",
                new Series("cosine", new Color(30, 140, 60), StepRecord::cosine));
        g.dispose();
        return sheet;
    }

    private record Series(String name, Color color, ToDoubleFunction<StepRecord> value) {}

    private static void plot(
            Graphics2D g, List<StepRecord> records, int left, int top, int width, String title, Series... series) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (StepRecord r : records) {
                double v = s.value().applyAsDouble(r);
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        int n = records.size();
        double step = n > 1 ? (double) width / (n - 1) : width;
        for (int i = 0; i < n; i++) {
            if (records.get(i).negativeActive()) {
                g.setColor(SHADE);
                g.fillRect((int) (left + (i - 0.5) * step), top, (int) Math.ceil(step), PLOT_HEIGHT);
            }
        }
        g.setColor(Color.GRAY);
        g.drawRect(left, top, width, PLOT_HEIGHT);
        g.setColor(Color.BLACK);
        g.drawString(
                title
                        + (records.stream().anyMatch(StepRecord::negativeActive)
                                ? "  (shaded: negative prompt active)"
                                : ""),
                left,
                top - 4);
        if (!(min < max)) {
            max = min + 1;
            if (!Double.isFinite(min)) {
                g.drawString("no guidance: nothing to plot", left + 10, top + 20);
                return;
            }
        }
        g.drawString(String.format(Locale.ROOT, "%.5g", max), 4, top + 10);
        g.drawString(String.format(Locale.ROOT, "%.5g", min), 4, top + PLOT_HEIGHT);
        int legendX = left + 10;
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(2f));
            int prevX = -1;
            int prevY = -1;
            for (int i = 0; i < n; i++) {
                double v = s.value().applyAsDouble(records.get(i));
                if (!Double.isFinite(v)) {
                    prevX = -1;
                    continue;
                }
                int x = (int) (left + i * step);
                int y = (int) (top + PLOT_HEIGHT - (v - min) / (max - min) * (PLOT_HEIGHT - 10) - 5);
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, x, y);
                }
                prevX = x;
                prevY = y;
            }
            g.drawString(s.name(), legendX, top + 16);
            legendX += g.getFontMetrics().stringWidth(s.name()) + 20;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
