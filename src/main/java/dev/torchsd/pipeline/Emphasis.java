package dev.torchsd.pipeline;

import java.util.Locale;

/**
 * How token weights act on the text encoder's output (one chunk, (1, 77, hidden)), AUTOMATIC1111's
 * "Emphasis mode" setting.
 */
public enum Emphasis {
    /**
     * Multiply each token's hidden state by its weight, then scale all back to the chunk's original
     * mean (AUTOMATIC1111's default). Where the weighted mean is 0 the scaling is skipped.
     */
    ORIGINAL("Original"),
    /** Brackets are read (and removed from the text) but weights are not applied. */
    IGNORE("Ignore"),
    /** Multiply by the weights, without restoring the mean. */
    NO_NORM("No norm");

    private final String label;

    Emphasis(String label) {
        this.label = label;
    }

    /**
     * AUTOMATIC1111's name of the mode, as in its infotext.
     *
     * @return e.g. {@code "No norm"}
     */
    public String label() {
        return label;
    }

    /**
     * Reads a mode's name.
     *
     * @param text "original", "ignore", "no-norm" (or the AUTOMATIC1111 labels), in any case
     * @return the mode
     * @throws RequestException naming the text and the accepted names if it is none of them
     */
    public static Emphasis parse(String text) {
        String key = text.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        for (Emphasis e : values()) {
            if (e.label.toLowerCase(Locale.ROOT).replace(' ', '-').equals(key)) {
                return e;
            }
        }
        throw new RequestException("unknown emphasis mode '" + text + "': expected original, ignore or no-norm");
    }
}
