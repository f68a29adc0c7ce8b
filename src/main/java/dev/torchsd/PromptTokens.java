package dev.torchsd;

import java.util.List;

/**
 * A text as token ids and their vocabulary entries.
 *
 * @param ids       the ids
 * @param tokens    the vocabulary entry of each id (BPE pieces, {@code </w>} marking a word's end)
 * @param truncated tokens cut off to fit the text encoder's 77 ids (0 when nothing was cut)
 */
public record PromptTokens(int[] ids, List<String> tokens, int truncated) {
    /**
     * Copies the ids and the tokens: the record does not change when the caller's do.
     *
     * @param ids       the ids
     * @param tokens    the vocabulary entry of each id
     * @param truncated tokens cut off to fit the text encoder (0 when nothing was cut)
     */
    public PromptTokens {
        ids = ids.clone();
        tokens = List.copyOf(tokens);
    }

    /**
     * The ids, in order.
     *
     * @return a copy of the ids
     */
    @Override
    public int[] ids() {
        return ids.clone();
    }
}
