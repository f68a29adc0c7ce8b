package dev.torchsd.prompt;

/**
 * A run of prompt text with one emphasis weight, or a BREAK. Text is tokenized fragment by
 * fragment, as AUTOMATIC1111 does, so neighbouring text of equal weight is merged first.
 */
public record Fragment(String text, double weight, boolean isBreak) {
    public static final Fragment BREAK = new Fragment("BREAK", 1.0, true);

    public static Fragment text(String text, double weight) {
        return new Fragment(text, weight, false);
    }

    Fragment times(double multiplier) {
        return isBreak ? this : new Fragment(text, weight * multiplier, false);
    }

    @Override
    public String toString() {
        return isBreak ? "BREAK" : "[" + text + ", " + weight + "]";
    }
}
