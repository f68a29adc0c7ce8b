package dev.torchsd.eval;

import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a drawn scene back: which palette color the shape has, which shape it is, its size and
 * where it is. Our own simple checker for the built-in model's evaluation, not a learned one.
 * <ol>
 * <li>The image is averaged to the 16x16 scene cells and every cell takes its nearest palette color.</li>
 * <li>The background is the palette color that, together with its texture shade (stripes, dots),
 *     is nearest to the most border cells. Its colors as drawn are measured on those border cells
 *     (a model's orange may lean toward red); cells nearer to the measured background or shade
 *     than to any other palette color are background, the rest are the shape.</li>
 * <li>Color: the most common palette color among the shape's cells.</li>
 * <li>Each shape cell's coverage is estimated from where its color lies between background and
 *     shape color (edges are anti-aliased).</li>
 * <li>Position: the nearest position anchor to the coverage-weighted centroid.</li>
 * <li>Shape and size: the template (shape x radius, centred on that centroid) whose coverage
 *     overlaps the estimate best (soft intersection over union).</li>
 * </ol>
 */
public final class SceneChecker {
    private static final int N = SceneVocabulary.GRID;
    private static final List<String> COLORS = List.copyOf(SceneVocabulary.PALETTE.keySet());
    private static final double[] RADII = {
        2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5, 4.75, 5.0, 5.5, 6.0
    };

    private SceneChecker() {}

    public static Scene check(BufferedImage image) {
        double[][][] cells = cells(image);
        String[][] names = new String[N][N];
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                names[y][x] = nearest(cells[y][x], null);
            }
        }
        String background = borderBackground(cells);
        double[][] drawn = drawnBackground(cells, background);
        boolean[][] shape = new boolean[N][N];
        Map<String, Integer> votes = new HashMap<>();
        int count = 0;
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                if (!isBackground(cells[y][x], background, drawn)) {
                    shape[y][x] = true;
                    votes.merge(names[y][x], 1, Integer::sum);
                    count++;
                }
            }
        }
        if (count == 0) {
            return Scene.NOTHING;
        }
        String color = votes.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
        double[][] alpha = coverageEstimate(cells, shape, drawn, SceneVocabulary.PALETTE.get(color));
        double cx = 0;
        double cy = 0;
        double mass = 0;
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                cx += alpha[y][x] * (x + 0.5);
                cy += alpha[y][x] * (y + 0.5);
                mass += alpha[y][x];
            }
        }
        cx /= mass;
        cy /= mass;
        String position = nearestPosition(cx, cy);
        String bestShape = null;
        double bestRadius = 0;
        double bestIou = -1;
        for (String candidate : SceneVocabulary.SHAPES) {
            for (double r : RADII) {
                double iou = iou(alpha, ShapeGeometry.coverage(candidate, cx, cy, r));
                if (iou > bestIou) {
                    bestIou = iou;
                    bestShape = candidate;
                    bestRadius = r;
                }
            }
        }
        String size = Math.abs(bestRadius - SceneVocabulary.SIZES.get("small"))
                        <= Math.abs(bestRadius - SceneVocabulary.SIZES.get("large"))
                ? "small"
                : "large";
        return new Scene(color, bestShape, size, position);
    }

    /** The background's palette color: the one nearest to the most border cells (with its texture shade). */
    public static String background(BufferedImage image) {
        return borderBackground(cells(image));
    }

    /** [y][x][rgb] mean color of each cell. */
    private static double[][][] cells(BufferedImage image) {
        if (image.getWidth() % N != 0 || image.getHeight() % N != 0 || image.getWidth() != image.getHeight()) {
            throw new EvalException("image must be square with a side that is a multiple of " + N + ", got "
                    + image.getWidth() + "x" + image.getHeight());
        }
        int side = image.getWidth() / N;
        double[][][] out = new double[N][N][3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                double[] c = out[y / side][x / side];
                c[0] += (rgb >> 16) & 0xFF;
                c[1] += (rgb >> 8) & 0xFF;
                c[2] += rgb & 0xFF;
            }
        }
        double area = side * side;
        for (double[][] row : out) {
            for (double[] c : row) {
                for (int i = 0; i < 3; i++) {
                    c[i] /= area;
                }
            }
        }
        return out;
    }

    /** The nearest palette color; with a background given, its texture shade counts as the background too. */
    private static String nearest(double[] c, String background) {
        String best = null;
        double bestDistance = Double.MAX_VALUE;
        for (String name : COLORS) {
            double d = distance(c, SceneVocabulary.PALETTE.get(name));
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        if (background != null) {
            double[] shade = SceneVocabulary.textureShade(SceneVocabulary.PALETTE.get(background));
            double d = distance(
                    c, new int[] {(int) Math.round(shade[0]), (int) Math.round(shade[1]), (int) Math.round(shade[2])});
            if (d < bestDistance) {
                best = background;
            }
        }
        return best;
    }

    private static double distance(double[] c, double[] p) {
        return distance(c, new int[] {(int) Math.round(p[0]), (int) Math.round(p[1]), (int) Math.round(p[2])});
    }

    private static double distance(double[] c, int[] p) {
        double r = c[0] - p[0];
        double g = c[1] - p[1];
        double b = c[2] - p[2];
        return r * r + g * g + b * b;
    }

    /**
     * The background's base color and texture shade as drawn: the mean of the border cells nearest
     * to each (the palette's values where no border cell is).
     */
    private static double[][] drawnBackground(double[][][] cells, String background) {
        int[] base = SceneVocabulary.PALETTE.get(background);
        double[] paletteShade = SceneVocabulary.textureShade(base);
        double[][] sums = new double[2][3];
        int[] counts = new int[2];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                double[] c = cells[i][j];
                if (isBorder(i, j) && nearest(c, background).equals(background)) {
                    int k = distance(c, paletteShade) < distance(c, base) ? 1 : 0;
                    counts[k]++;
                    for (int ch = 0; ch < 3; ch++) {
                        sums[k][ch] += c[ch];
                    }
                }
            }
        }
        double[][] drawn = {{base[0], base[1], base[2]}, paletteShade.clone()};
        for (int k = 0; k < 2; k++) {
            if (counts[k] > 0) {
                for (int ch = 0; ch < 3; ch++) {
                    drawn[k][ch] = sums[k][ch] / counts[k];
                }
            }
        }
        return drawn;
    }

    /** Whether a cell is nearer to the drawn background (base or shade) than to any other palette color. */
    private static boolean isBackground(double[] c, String background, double[][] drawn) {
        double toBackground = Math.min(distance(c, drawn[0]), distance(c, drawn[1]));
        for (String name : COLORS) {
            if (!name.equals(background) && distance(c, SceneVocabulary.PALETTE.get(name)) < toBackground) {
                return false;
            }
        }
        return true;
    }

    /** Whether cell (row i, column j) lies on the image's edge. */
    private static boolean isBorder(int i, int j) {
        return i == 0 || i == N - 1 || j == 0 || j == N - 1;
    }

    /** The palette color that, with its texture shade, is nearest to the most border cells. */
    private static String borderBackground(double[][][] cells) {
        String best = null;
        int bestCount = -1;
        for (String candidate : COLORS) {
            int count = 0;
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    if (isBorder(i, j) && nearest(cells[i][j], candidate).equals(candidate)) {
                        count++;
                    }
                }
            }
            if (count > bestCount) {
                bestCount = count;
                best = candidate;
            }
        }
        return best;
    }

    private static String nearestPosition(double cx, double cy) {
        String best = null;
        double bestDistance = Double.MAX_VALUE;
        for (Map.Entry<String, double[]> e : SceneVocabulary.POSITIONS.entrySet()) {
            double dx = cx - e.getValue()[0];
            double dy = cy - e.getValue()[1];
            double d = dx * dx + dy * dy;
            if (d < bestDistance) {
                bestDistance = d;
                best = e.getKey();
            }
        }
        return best;
    }

    /**
     * How much of each shape cell the shape covers: where the cell's color lies between the
     * background and the shape color (edges are mixed colors); 0 for background cells.
     */
    private static double[][] coverageEstimate(double[][][] cells, boolean[][] shape, double[][] drawn, int[] fg) {
        double[] bg = drawn[0];
        double[] shade = drawn[1];
        double[][] alpha = new double[N][N];
        double norm = 0;
        for (int i = 0; i < 3; i++) {
            norm += (fg[i] - bg[i]) * (fg[i] - bg[i]);
        }
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                double[] c = cells[y][x];
                if (!shape[y][x] && distance(c, shade) < distance(c, bg)) {
                    continue; // a stripe or dot of the background
                }
                double dot = 0;
                for (int i = 0; i < 3; i++) {
                    dot += (c[i] - bg[i]) * (fg[i] - bg[i]);
                }
                alpha[y][x] = Math.max(0.0, Math.min(1.0, dot / norm));
            }
        }
        return alpha;
    }

    /** Soft intersection over union of the estimated coverage and a template's coverage. */
    private static double iou(double[][] alpha, double[][] template) {
        double both = 0;
        double either = 0;
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                both += Math.min(alpha[y][x], template[y][x]);
                either += Math.max(alpha[y][x], template[y][x]);
            }
        }
        return either == 0 ? 0 : both / either;
    }
}
