package dev.torchsd.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The words and numbers of the built-in model's training scenes, as native/train/dataset.py
 * defines them (keep the two in step: the checker's fixtures are drawn by that script, so a
 * mismatch fails {@code SceneCheckerTest}). A scene is a 16x16 grid of cells, 4x4 pixels each.
 */
public final class SceneVocabulary {
    private SceneVocabulary() {}

    public static final int GRID = 16;

    /** Palette colors, RGB 0..255. */
    public static final Map<String, int[]> PALETTE = palette();

    public static final List<String> SHAPE_COLORS = List.of("red", "green", "blue", "yellow", "purple", "orange");
    public static final List<String> SHAPES = List.of("circle", "square", "triangle", "cross");

    /** Shape radius in cells per size word. */
    public static final Map<String, Double> SIZES = Map.of("small", 3.0, "large", 4.5);

    /** Position word -> area centroid (x, y) in cells, y down. */
    public static final Map<String, double[]> POSITIONS = positions();

    /** Position word -> the phrase captions use. */
    public static final Map<String, String> POSITION_PHRASES = Map.of(
            "left",
            "on the left",
            "right",
            "on the right",
            "top",
            "at the top",
            "bottom",
            "at the bottom",
            "center",
            "in the center");

    /** Color/shape pairs never drawn in training ("color shape"). */
    public static final Set<String> HELD_OUT_PAIRS =
            Set.of("red triangle", "green cross", "blue square", "yellow circle");

    private static Map<String, int[]> palette() {
        Map<String, int[]> p = new LinkedHashMap<>();
        p.put("red", new int[] {220, 40, 40});
        p.put("green", new int[] {40, 170, 60});
        p.put("blue", new int[] {40, 80, 220});
        p.put("yellow", new int[] {240, 220, 40});
        p.put("purple", new int[] {150, 60, 190});
        p.put("orange", new int[] {245, 140, 30});
        p.put("white", new int[] {240, 240, 240});
        p.put("black", new int[] {20, 20, 20});
        p.put("gray", new int[] {128, 128, 128});
        return java.util.Collections.unmodifiableMap(p);
    }

    private static Map<String, double[]> positions() {
        Map<String, double[]> p = new LinkedHashMap<>();
        p.put("left", new double[] {5, 8});
        p.put("right", new double[] {11, 8});
        p.put("top", new double[] {8, 5});
        p.put("bottom", new double[] {8, 11});
        p.put("center", new double[] {8, 8});
        return java.util.Collections.unmodifiableMap(p);
    }

    /** The second color of a striped or dotted background: 30% toward white for dark colors, toward black for light. */
    public static double[] textureShade(int[] rgb) {
        double luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
        double target = luma < 100 ? 255 : 0;
        return new double[] {0.7 * rgb[0] + 0.3 * target, 0.7 * rgb[1] + 0.3 * target, 0.7 * rgb[2] + 0.3 * target};
    }

    /** "a" or "an" before a word. */
    public static String article(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }
}
