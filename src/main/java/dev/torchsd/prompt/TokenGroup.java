package dev.torchsd.prompt;

/**
 * Token ids that must stay in one chunk, with their emphasis weight: a single token, or the
 * vectors of one textual-inversion embedding (which would mean nothing split over two chunks).
 * {@link #BREAK} ends the current chunk.
 */
public record TokenGroup(int[] ids, double weight, boolean isBreak) {
    public static final TokenGroup BREAK = new TokenGroup(new int[0], 1.0, true);

    public static TokenGroup of(double weight, int... ids) {
        return new TokenGroup(ids, weight, false);
    }

    public int size() {
        return ids.length;
    }
}
