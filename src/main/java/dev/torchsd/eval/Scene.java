package dev.torchsd.eval;

/**
 * What a scene shows, or what a caption asks for: any field may be null (not found / not asked).
 *
 * @param color    palette color of the shape
 * @param shape    circle, square, triangle or cross
 * @param size     small or large
 * @param position left, right, top, bottom or center
 */
public record Scene(String color, String shape, String size, String position) {

    /** A scene with nothing found (an image without a shape). */
    public static final Scene NOTHING = new Scene(null, null, null, null);

    /** The full caption of this scene on a plain background, as the training captions word it. */
    public String caption(String background) {
        String first = size != null ? size : color != null ? color : shape;
        StringBuilder s = new StringBuilder(SceneVocabulary.article(first)).append(' ');
        if (size != null) {
            s.append(size).append(' ');
        }
        if (color != null) {
            s.append(color).append(' ');
        }
        s.append(shape);
        if (position != null) {
            s.append(' ').append(SceneVocabulary.POSITION_PHRASES.get(position));
        }
        if (background != null) {
            s.append(", ").append(background).append(" background");
        }
        return s.toString();
    }
}
