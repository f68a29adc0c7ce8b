package dev.torchsd.prompt;

import java.util.List;

/**
 * The parsed AUTOMATIC1111 prompt: a tree whose leaves are text. Every node keeps the source
 * text it came from, so a prompt at a given step can be written back as AUTOMATIC1111's
 * schedule writes it (see {@link PromptSchedule#textAt}).
 */
public sealed interface PromptNode {

    /** Text, with escapes resolved in {@code literal}; {@code source} is as written. */
    record Text(String source, String literal) implements PromptNode {}

    /**
     * {@code (x)} = x times 1.1, {@code (x:1.3)}, {@code [x]} = x divided by 1.1. {@code open} and
     * {@code close} are the source around the body ({@code "("} and {@code ":1.3)"} for the second).
     */
    record Emphasis(List<PromptNode> body, double multiplier, String open, String close) implements PromptNode {}

    /**
     * Prompt editing {@code [from:to:when]}, {@code [to:when]} (from = empty) and {@code [from::when]}:
     * {@code from} up to the switch, {@code to} after it. {@code when} is a step count, or a
     * fraction of the steps when its source has a decimal point ({@code 0.4}, {@code 1.0}).
     */
    record Edit(
            List<PromptNode> from, List<PromptNode> to, double when, boolean fraction, String whenSource, int position)
            implements PromptNode {}

    /** Alternation {@code [a|b|c]}: option (step - 1) mod n at each step; options may be empty. */
    record Alternation(List<List<PromptNode>> options) implements PromptNode {}

    /** {@code BREAK}: the rest of the prompt starts a new 75-token chunk. */
    record Break(String source) implements PromptNode {}
}
