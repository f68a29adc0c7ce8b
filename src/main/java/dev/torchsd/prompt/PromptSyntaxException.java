package dev.torchsd.prompt;

/**
 * A prompt that the AUTOMATIC1111 syntax cannot read. The message is one line: the problem, the
 * character position (counted from 1) and the prompt around it with {@code >>>} before that
 * character, e.g. {@code ')' closes nothing at position 6 of the prompt: "a cat>>>) on a mat"}.
 */
public final class PromptSyntaxException extends PromptException {
    private static final long serialVersionUID = 1L;

    private final int index;

    PromptSyntaxException(String prompt, String label, int index, String problem) {
        super(problem + " at position " + (index + 1) + " of the " + label + ": \"" + excerpt(prompt, index) + "\"");
        this.index = index;
    }

    /** The 0-based index of the offending character in the prompt (the prompt's length for its end). */
    public int index() {
        return index;
    }

    /** Up to 30 characters on either side of {@code index}, with {@code >>>} in front of it. */
    private static String excerpt(String prompt, int index) {
        int from = Math.max(0, index - 30);
        int to = Math.min(prompt.length(), index + 30);
        String text = (from > 0 ? "..." : "") + prompt.substring(from, index) + ">>>" + prompt.substring(index, to)
                + (to < prompt.length() ? "..." : "");
        return text.replace("\n", "\\n");
    }
}
