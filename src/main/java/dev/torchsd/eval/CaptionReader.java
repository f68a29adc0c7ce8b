package dev.torchsd.eval;

/** What a caption asks for: the shape's color (the first palette word before the comma), shape, size and position. */
public final class CaptionReader {
    private CaptionReader() {}

    public static Scene read(String caption) {
        String subject = caption.toLowerCase(java.util.Locale.ROOT).split(",", 2)[0];
        String color = null;
        String shape = null;
        String size = null;
        String position = null;
        for (String word : subject.trim().split("\\s+")) {
            if (color == null && SceneVocabulary.PALETTE.containsKey(word)) {
                color = word;
            } else if (SceneVocabulary.SHAPES.contains(word)) {
                shape = word;
            } else if (SceneVocabulary.SIZES.containsKey(word)) {
                size = word;
            } else if (SceneVocabulary.POSITIONS.containsKey(word)) {
                position = word;
            }
        }
        if (shape == null) {
            throw new EvalException(
                    "caption '" + caption + "' names no shape; expected one of " + SceneVocabulary.SHAPES);
        }
        return new Scene(color, shape, size, position);
    }
}
