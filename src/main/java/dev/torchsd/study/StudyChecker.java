package dev.torchsd.study;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * Reads what an image shows for a {@link NegativeTimingStudy}: named attributes ("color" = "red",
 * "shape" = "circle", ...), and which of them a negative prompt negates. {@link #builtin()} reads the
 * built-in model's scenes; for another model, implement this (a public class with a no-argument
 * constructor can be named on the command line: {@code torchsd study negative-timing --checker CLASS}).
 */
public interface StudyChecker {

    /** The attributes the image shows; an attribute it does not show may be missing or null. */
    Map<String, String> read(BufferedImage image);

    /**
     * The attribute {@code negativePrompt} negates, e.g. color = red for "red".
     *
     * @throws IllegalArgumentException when the checker cannot tell (the message says what it understands)
     */
    Attribute negated(String negativePrompt);

    /** The built-in model's checker: color, shape, size, position and background of its scene. */
    static StudyChecker builtin() {
        return new SceneStudyChecker();
    }

    /** One attribute of an image and its value. */
    record Attribute(String name, String value) {
        @Override
        public String toString() {
            return name + "=" + value;
        }
    }
}
