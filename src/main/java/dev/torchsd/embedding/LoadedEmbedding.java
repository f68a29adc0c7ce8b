package dev.torchsd.embedding;

import java.util.List;

/**
 * A textual-inversion embedding added to a tokenizer (and, in a model, to its token-embedding table).
 *
 * @param source the file's content
 * @param token  the trigger token the user writes in prompts
 * @param tokens all tokens it added: {@code token, token_1, …, token_{n-1}}
 * @param ids    their ids, consecutive, in the same order
 */
public record LoadedEmbedding(TextualInversion source, String token, List<String> tokens, int[] ids) {
    public LoadedEmbedding {
        tokens = List.copyOf(tokens);
        ids = ids.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** Problems found in the file that did not stop loading (NaN values). */
    public List<String> warnings() {
        return source.warnings();
    }
}
