package dev.torchsd.embedding;

import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import dev.torchsd.tokenizer.TokenizerException;
import java.util.ArrayList;
import java.util.List;

/**
 * The textual-inversion tokens added to one tokenizer, and how prompts are tokenized with them.
 * Immutable: adding returns a new value, so that a model can swap it atomically.
 *
 * <p>Adding is done in two steps so that a failure leaves everything unchanged: {@link #check}
 * validates the token names against the tokenizer and the embeddings added before, changing
 * nothing; {@link #with} then records the ids the tokenizer gave (after
 * {@link ClipTokenizer#addTokens}, which itself adds all tokens or none).
 */
public final class EmbeddingTokens {
    /** No embeddings. */
    public static final EmbeddingTokens NONE = new EmbeddingTokens(List.of(), TokenExpansion.NONE);

    private final List<LoadedEmbedding> loaded;
    private final TokenExpansion expansion;

    private EmbeddingTokens(List<LoadedEmbedding> loaded, TokenExpansion expansion) {
        this.loaded = List.copyOf(loaded);
        this.expansion = expansion;
    }

    /** The embeddings added so far, in order. */
    public List<LoadedEmbedding> loaded() {
        return loaded;
    }

    /**
     * The tokens {@code embedding} would add under {@code token} ({@code token}, {@code token_1}, …),
     * after checking that none is empty or holds whitespace, and that none is already known to
     * {@code tokenizer} — the error names the earlier embedding that took it, if one did.
     * Changes nothing.
     */
    public List<String> check(ClipTokenizer tokenizer, TextualInversion embedding, String token) {
        String source = embedding.file().toString();
        if (token == null || token.isEmpty()) {
            throw new EmbeddingException(source + ": the token is empty; name one (FILE:TOKEN on the command line)");
        }
        if (token.codePoints().anyMatch(Character::isWhitespace)) {
            throw new EmbeddingException(
                    source + ": token \"" + token + "\" contains whitespace, which a prompt cannot hold as"
                            + " one token; name another (FILE:TOKEN on the command line)");
        }
        List<String> tokens = embedding.tokens(token);
        for (String candidate : tokens) {
            for (LoadedEmbedding earlier : loaded) {
                if (earlier.tokens().contains(candidate)) {
                    throw new EmbeddingException(source + ": token \"" + candidate
                            + "\" is taken by the embedding loaded earlier from "
                            + earlier.source().file() + " (token \"" + earlier.token() + "\""
                            + (earlier.tokens().size() > 1
                                    ? ", tokens " + earlier.token() + " … "
                                            + earlier.tokens()
                                                    .get(earlier.tokens().size() - 1)
                                    : "")
                            + "); choose another token");
                }
            }
            int existing = idOf(tokenizer, candidate);
            if (existing >= 0) {
                throw new EmbeddingException(
                        source + ": token \"" + candidate + "\" is already in the vocabulary (id " + existing
                                + ")"
                                + (candidate.equals(token)
                                        ? ""
                                        : ", and an embedding of " + tokens.size() + " vectors under \"" + token
                                                + "\" needs it")
                                + "; choose another token");
            }
        }
        return tokens;
    }

    /**
     * Adds {@code embedding}'s tokens under {@code token} to {@code tokenizer} (a tokenizer without a
     * text encoder, e.g. for {@code torchsd tokenize}); a model uses {@code Model.loadTextualInversion},
     * which also grows its table. Fails, changing nothing, as {@link #check} does.
     *
     * @return this value plus the new embedding, last in {@link #loaded()}
     */
    public EmbeddingTokens addTo(ClipTokenizer tokenizer, TextualInversion embedding, String token) {
        List<String> tokens = check(tokenizer, embedding, token);
        int[] ids = tokenizer.addTokens(tokens);
        return with(new LoadedEmbedding(embedding, token, tokens, ids));
    }

    /** This value plus {@code added}, whose tokens the tokenizer now knows. */
    public EmbeddingTokens with(LoadedEmbedding added) {
        List<LoadedEmbedding> all = new ArrayList<>(loaded);
        all.add(added);
        return new EmbeddingTokens(all, expansion.with(added.ids()));
    }

    /** How the loaded embeddings' trigger ids expand. */
    public TokenExpansion expansion() {
        return expansion;
    }

    /** {@code ids} (from {@link ClipTokenizer#encode}) with every multi-vector trigger expanded. */
    public int[] expand(int[] ids) {
        return expansion.expand(ids);
    }

    /** {@code text} as the text encoder gets it: tokenized, expanded, then truncated or padded to 77 ids. */
    public Encoding encodePadded(ClipTokenizer tokenizer, String text) {
        return tokenizer.pad(expand(tokenizer.encode(text)));
    }

    private static int idOf(ClipTokenizer tokenizer, String token) {
        try {
            return tokenizer.tokensToIds(List.of(token))[0];
        } catch (TokenizerException notInVocabulary) {
            return -1;
        }
    }
}
