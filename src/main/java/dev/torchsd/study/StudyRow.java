package dev.torchsd.study;

import java.util.Map;

/**
 * One generation of a {@link NegativeTimingStudy}, measured against the same seed without a negative prompt.
 *
 * @param start              the negative start's label: "none" (no negative prompt: the reference), a step, a
 *                           fraction, or "auto"
 * @param seed               the seed
 * @param startStep          the step the negative prompt started at (auto: the one it picked; none: the steps)
 * @param attributes         what the checker read
 * @param negatedPresent     whether the negated attribute shows
 * @param kept               per other attribute: whether it equals the reference's
 * @param meanAbsDifference  mean absolute pixel difference to the reference (0..255)
 * @param meanSquaredError   mean squared pixel difference to the reference
 */
public record StudyRow(
        String start,
        long seed,
        double startStep,
        Map<String, String> attributes,
        boolean negatedPresent,
        Map<String, Boolean> kept,
        double meanAbsDifference,
        double meanSquaredError) {

    /** The share of the other attributes equal to the reference's (1 when there are none). */
    public double keptFraction() {
        return kept.isEmpty() ? 1 : kept.values().stream().filter(k -> k).count() / (double) kept.size();
    }
}
