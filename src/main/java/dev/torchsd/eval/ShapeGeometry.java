package dev.torchsd.eval;

/**
 * The unit shapes of the training scenes (radius 1, area centroid at the origin, v pointing down)
 * and their per-cell coverage, measured like the dataset generator on 4x4 sample points per cell.
 * The checker matches these templates against what a model drew.
 */
public final class ShapeGeometry {
    private ShapeGeometry() {}

    static final int SAMPLES = 4;

    public static boolean inside(String shape, double u, double v) {
        return switch (shape) {
            case "circle" -> u * u + v * v <= 1.0;
            case "square" -> Math.abs(u) <= 0.85 && Math.abs(v) <= 0.85;
            // upright, apex at v = -4/3, base at v = +2/3: the centroid is at 0
            case "triangle" -> v >= -4.0 / 3.0 && v <= 2.0 / 3.0 && Math.abs(u) <= (v + 4.0 / 3.0) / 2.0 * 1.15;
            case "cross" -> (Math.abs(u) <= 0.35 && Math.abs(v) <= 1.0) || (Math.abs(v) <= 0.35 && Math.abs(u) <= 1.0);
            default ->
                throw new IllegalArgumentException(
                        "unknown shape '" + shape + "', expected one of " + SceneVocabulary.SHAPES);
        };
    }

    /** [y][x] fraction of each cell of a GRID x GRID scene covered by the shape centred at (cx, cy) cells. */
    public static double[][] coverage(String shape, double cx, double cy, double radius) {
        int n = SceneVocabulary.GRID;
        double[][] cover = new double[n][n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int hits = 0;
                for (int sy = 0; sy < SAMPLES; sy++) {
                    for (int sx = 0; sx < SAMPLES; sx++) {
                        double px = x + (sx + 0.5) / SAMPLES;
                        double py = y + (sy + 0.5) / SAMPLES;
                        if (inside(shape, (px - cx) / radius, (py - cy) / radius)) {
                            hits++;
                        }
                    }
                }
                cover[y][x] = hits / (double) (SAMPLES * SAMPLES);
            }
        }
        return cover;
    }
}
