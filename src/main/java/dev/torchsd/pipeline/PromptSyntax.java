package dev.torchsd.pipeline;

import java.util.Locale;

/**
 * How a request's prompts are read. {@link #PLAIN}: as diffusers does, the text as it is, cut at
 * 77 tokens (the default, for images equal to diffusers'). {@link #A1111}: AUTOMATIC1111's syntax
 * (weights, prompt editing, alternation, BREAK) and prompts of any length, in 75-token chunks.
 *
 * @param a1111          whether AUTOMATIC1111's syntax is used
 * @param emphasis       how weights act (AUTOMATIC1111 syntax only)
 * @param commaBacktrack how far back a comma may move words to the next chunk (0..75, 0 = off)
 */
public record PromptSyntax(boolean a1111, Emphasis emphasis, int commaBacktrack) {
    /** Tokens per AUTOMATIC1111 chunk, between its BOS and EOS. */
    public static final int CHUNK_TOKENS = 75;
    /** AUTOMATIC1111's "comma padding backtrack" default. */
    public static final int DEFAULT_COMMA_BACKTRACK = 20;
    /** Prompts read as diffusers does (the default). */
    public static final PromptSyntax PLAIN = new PromptSyntax(false, Emphasis.ORIGINAL, DEFAULT_COMMA_BACKTRACK);
    /** AUTOMATIC1111's syntax with its default emphasis and comma backtrack. */
    public static final PromptSyntax A1111 = new PromptSyntax(true, Emphasis.ORIGINAL, DEFAULT_COMMA_BACKTRACK);

    /**
     * Checks the values.
     *
     * @param a1111          whether AUTOMATIC1111's syntax is used
     * @param emphasis       how weights act
     * @param commaBacktrack how far back a comma may move words to the next chunk, 0..75 (0 = off)
     * @throws RequestException if {@code emphasis} is null or {@code commaBacktrack} is outside 0..75
     */
    public PromptSyntax {
        if (emphasis == null) {
            throw new RequestException("emphasis mode must not be null");
        }
        if (commaBacktrack < 0 || commaBacktrack > CHUNK_TOKENS) {
            throw new RequestException("comma backtrack must be in 0.." + CHUNK_TOKENS + ", got " + commaBacktrack);
        }
    }

    /**
     * Reads a syntax's name.
     *
     * @param name "plain" (or "diffusers") or "a1111" (or "automatic1111"), in any case
     * @return {@link #PLAIN} or {@link #A1111}
     * @throws RequestException naming the text if it is none of them
     */
    public static PromptSyntax parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "plain":
            case "diffusers":
                return PLAIN;
            case "a1111":
            case "automatic1111":
                return A1111;
            default:
                throw new RequestException("unknown prompt syntax '" + name + "': expected plain or a1111");
        }
    }

    /**
     * This syntax with another emphasis mode.
     *
     * @param e how weights act
     * @return a new value; this one is unchanged
     * @throws RequestException if {@code e} is null
     */
    public PromptSyntax withEmphasis(Emphasis e) {
        return new PromptSyntax(a1111, e, commaBacktrack);
    }

    /**
     * This syntax with another comma backtrack.
     *
     * @param tokens how many tokens back a comma may move words to the next chunk, 0..75 (0 = off)
     * @return a new value; this one is unchanged
     * @throws RequestException if {@code tokens} is outside 0..75
     */
    public PromptSyntax withCommaBacktrack(int tokens) {
        return new PromptSyntax(a1111, emphasis, tokens);
    }

    @Override
    public String toString() {
        return a1111 ? "a1111" : "plain";
    }
}
