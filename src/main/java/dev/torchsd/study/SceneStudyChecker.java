package dev.torchsd.study;

import dev.torchsd.eval.Scene;
import dev.torchsd.eval.SceneChecker;
import dev.torchsd.eval.SceneVocabulary;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@link StudyChecker#builtin()}: the built-in model's scene, read by {@link SceneChecker}. */
final class SceneStudyChecker implements StudyChecker {

    @Override
    public Map<String, String> read(BufferedImage image) {
        Scene scene = SceneChecker.check(image);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("color", scene.color());
        attributes.put("shape", scene.shape());
        attributes.put("size", scene.size());
        attributes.put("position", scene.position());
        attributes.put("background", SceneChecker.background(image));
        return attributes;
    }

    /** "red" negates color, "circle" shape, "small" size, "on the left" position, "blue background" background. */
    @Override
    public Attribute negated(String negativePrompt) {
        List<String> words = List.of(negativePrompt
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z ]", " ")
                .trim()
                .split("\\s+"));
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals("background") && i > 0 && SceneVocabulary.PALETTE.containsKey(words.get(i - 1))) {
                return new Attribute("background", words.get(i - 1));
            }
        }
        for (String word : words) {
            if (SceneVocabulary.SHAPES.contains(word)) {
                return new Attribute("shape", word);
            }
            if (SceneVocabulary.PALETTE.containsKey(word)) {
                return new Attribute("color", word);
            }
            if (SceneVocabulary.SIZES.containsKey(word)) {
                return new Attribute("size", word);
            }
            if (SceneVocabulary.POSITIONS.containsKey(word)) {
                return new Attribute("position", word);
            }
        }
        throw new IllegalArgumentException("the negative prompt '" + negativePrompt + "' names no attribute of the"
                + " built-in model's scenes: a color " + SceneVocabulary.PALETTE.keySet() + ", a shape "
                + SceneVocabulary.SHAPES + ", a size " + SceneVocabulary.SIZES.keySet() + ", a position "
                + SceneVocabulary.POSITIONS.keySet() + " or 'COLOR background'");
    }
}
