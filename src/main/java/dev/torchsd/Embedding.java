package dev.torchsd;

import java.nio.file.Path;
import java.util.List;

/**
 * A textual-inversion embedding loaded into a model.
 *
 * @param file     the file it was read from
 * @param format   the file's layout (AUTOMATIC1111 .pt, emb_params safetensors, diffusers learned_embeds, ...)
 * @param token    the trigger token prompts use
 * @param tokens   every token it added: {@code token, token_1, …, token_{n-1}}, one per vector
 * @param ids      their ids, consecutive, after the model's vocabulary
 * @param warnings problems found in the file that did not stop loading (NaN values)
 */
public record Embedding(Path file, String format, String token, List<String> tokens, int[] ids, List<String> warnings) {
    /**
     * Copies the lists and the ids: the record does not change when the caller's do.
     *
     * @param file     the file it was read from
     * @param format   the file's layout
     * @param token    the trigger token prompts use
     * @param tokens   every token it added, one per vector
     * @param ids      their ids
     * @param warnings problems found in the file that did not stop loading
     */
    public Embedding {
        tokens = List.copyOf(tokens);
        ids = ids.clone();
        warnings = List.copyOf(warnings);
    }

    /**
     * Their ids, consecutive, after the model's vocabulary.
     *
     * @return a copy of the ids
     */
    @Override
    public int[] ids() {
        return ids.clone();
    }
}
