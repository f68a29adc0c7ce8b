package dev.torchsd.eval;

/** How many of {@code images} generated images show the asked-for color, shape, position and size. */
public record Accuracy(int images, int color, int shape, int position, int size) {

    public static final Accuracy NONE = new Accuracy(0, 0, 0, 0, 0);

    /** This tally plus one image: what the caption asked for against what the checker saw. */
    public Accuracy plus(Scene asked, Scene seen) {
        return new Accuracy(
                images + 1,
                color + (asked.color() != null && asked.color().equals(seen.color()) ? 1 : 0),
                shape + (asked.shape() != null && asked.shape().equals(seen.shape()) ? 1 : 0),
                position + (asked.position() != null && asked.position().equals(seen.position()) ? 1 : 0),
                size + (asked.size() != null && asked.size().equals(seen.size()) ? 1 : 0));
    }

    public double colorRate() {
        return rate(color);
    }

    public double shapeRate() {
        return rate(shape);
    }

    public double positionRate() {
        return rate(position);
    }

    public double sizeRate() {
        return rate(size);
    }

    private double rate(int n) {
        return images == 0 ? 0 : n / (double) images;
    }

    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "color %5.1f %%  shape %5.1f %%  position %5.1f %%  size %5.1f %%  (%d images)",
                100 * colorRate(),
                100 * shapeRate(),
                100 * positionRate(),
                100 * sizeRate(),
                images);
    }
}
