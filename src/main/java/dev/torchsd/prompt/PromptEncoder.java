package dev.torchsd.prompt;

import dev.torchsd.embedding.TokenExpansion;
import dev.torchsd.model.Model;
import dev.torchsd.model.TextEncoder;
import dev.torchsd.pipeline.PromptSyntax;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import dev.torchsd.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Prompt fragments to text-encoder hidden states, the one way every prompt is encoded.
 *
 * <ul>
 *   <li>{@link PromptSyntax#PLAIN} (diffusers): the prompt's one fragment is tokenized whole,
 *       truncated (keeping end-of-text) or padded to 77 ids: one chunk, no weights.</li>
 *   <li>{@link PromptSyntax#A1111}: each fragment is tokenized on its own, the tokens are cut into
 *       75-token chunks ({@link PromptChunker}), each chunk goes through the text encoder as 77 ids,
 *       gets its weights ({@link EmphasisWeights}), and the chunks are joined along the sequence:
 *       (1, 77 × chunks, hidden).</li>
 * </ul>
 * A textual-inversion embedding's trigger token stands for all its tokens ({@code T T_1 …}, the
 * model's {@link TokenExpansion}); in chunks they form one {@link TokenGroup}, so an embedding is
 * never split over two chunks.
 */
public final class PromptEncoder {
    static {
        LibTorch.ensureLoaded();
    }

    /** A prompt's chunks and how many of its tokens were cut off (plain prompts longer than 77 ids). */
    public record Chunks(List<PromptChunker.Chunk> chunks, int truncated) {
        public Chunks {
            chunks = List.copyOf(chunks);
        }
    }

    private final ClipTokenizer tokenizer;
    /** The model's text encoders (SDXL: CLIP-L and bigG), none for a tokenizing encoder. */
    private final List<TextEncoder> textEncoders;

    private final PromptSyntax syntax;
    private final PromptChunker chunker;
    /** Runs a tokenization with the embeddings fixed and hands it their expansion. */
    private final EmbeddingsFixed embeddings;

    private interface EmbeddingsFixed {
        <T> T with(java.util.function.Function<TokenExpansion, T> work);
    }

    private PromptEncoder(
            ClipTokenizer tokenizer, List<TextEncoder> textEncoders, PromptSyntax syntax, EmbeddingsFixed embeddings) {
        this.tokenizer = tokenizer;
        this.textEncoders = List.copyOf(textEncoders);
        this.syntax = syntax;
        this.chunker = new PromptChunker(
                tokenizer.bosId(), tokenizer.eosId(), tokenizer.padId(), commaId(tokenizer), syntax.commaBacktrack());
        this.embeddings = embeddings;
    }

    /** An encoder that only tokenizes and chunks, with no embeddings (no text encoder). */
    public static PromptEncoder tokenizing(ClipTokenizer tokenizer, PromptSyntax syntax) {
        return new PromptEncoder(tokenizer, List.of(), syntax, new EmbeddingsFixed() {
            @Override
            public <T> T with(java.util.function.Function<TokenExpansion, T> work) {
                return work.apply(TokenExpansion.NONE);
            }
        });
    }

    /**
     * An encoder for {@code model}: each tokenization reads the model's textual-inversion embeddings under
     * the model's lock, so a prompt sees an embedding that loads meanwhile entirely or not at all.
     */
    public static PromptEncoder forModel(Model model, PromptSyntax syntax) {
        return new PromptEncoder(model.tokenizer(), model.textEncoders(), syntax, new EmbeddingsFixed() {
            @Override
            public <T> T with(java.util.function.Function<TokenExpansion, T> work) {
                Supplier<T> fixed = () -> work.apply(model.tokenExpansion());
                return model.withEmbeddingsFixed(fixed);
            }
        });
    }

    public PromptSyntax syntax() {
        return syntax;
    }

    /** The id of the lone comma token, or -1 when the vocabulary has none. */
    private static int commaId(ClipTokenizer tokenizer) {
        int[] ids = tokenizer.encode(",");
        return ids.length == 3 ? ids[1] : -1;
    }

    /** The token groups of {@code fragments}: one per token, one per embedding (all its vectors). */
    public List<TokenGroup> tokenize(List<Fragment> fragments) {
        return embeddings.with(expansion -> groups(fragments, expansion));
    }

    private List<TokenGroup> groups(List<Fragment> fragments, TokenExpansion expansion) {
        List<TokenGroup> groups = new ArrayList<>();
        for (Fragment f : fragments) {
            if (f.isBreak()) {
                groups.add(TokenGroup.BREAK);
                continue;
            }
            if (f.text().isEmpty()) {
                continue;
            }
            int[] withEnds = tokenizer.encode(f.text());
            int[] inner = java.util.Arrays.copyOfRange(withEnds, 1, withEnds.length - 1);
            for (int[] ids : expansion.groups(inner)) {
                groups.add(TokenGroup.of(f.weight(), ids));
            }
        }
        return groups;
    }

    /** The 77-id chunks of {@code fragments}, as the prompt syntax cuts them. */
    public Chunks chunks(List<Fragment> fragments) {
        if (!syntax.a1111()) {
            return plainChunk(fragments);
        }
        try {
            return new Chunks(chunker.chunk(tokenize(fragments)), 0);
        } catch (IllegalArgumentException e) {
            throw new PromptException("cannot chunk the prompt: " + e.getMessage() + " (an embedding with more than "
                    + PromptChunker.CHUNK_TOKENS + " vectors)");
        }
    }

    /** diffusers: the whole text's ids (embeddings expanded) truncated or padded to 77, weight 1 everywhere. */
    private Chunks plainChunk(List<Fragment> fragments) {
        String text = fragments.isEmpty() ? "" : fragments.get(0).text();
        Encoding encoding = embeddings.with(expansion -> tokenizer.pad(expansion.expand(tokenizer.encode(text))));
        float[] ones = new float[encoding.ids().length];
        java.util.Arrays.fill(ones, 1f);
        return new Chunks(List.of(new PromptChunker.Chunk(encoding.ids(), ones)), encoding.truncated());
    }

    /** The chunk of the empty prompt, which pads a prompt with fewer chunks. */
    public PromptChunker.Chunk emptyChunk() {
        return chunker.emptyChunk();
    }

    /**
     * Hidden states (1, 77 × chunks, hidden) of {@code chunks} from text-encoder layer {@code clipSkip}, in the
     * caller's scope. With several text encoders (SDXL) each chunk goes through each, padded with its own id, and
     * their hidden states are concatenated (CLIP-L's 768 then bigG's 1280: 2048).
     */
    public Tensor encode(List<PromptChunker.Chunk> chunks, int clipSkip) {
        return Tensors.scoped(() -> {
            Tensor[] parts = new Tensor[chunks.size()];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = encodeChunk(chunks.get(i), clipSkip);
            }
            return parts.length == 1 ? parts[0] : torch.cat(new TensorVector(parts), 1);
        });
    }

    /**
     * The pooled embedding (1, projection) of the text encoder that has one (SDXL's bigG), from the first chunk
     * as AUTOMATIC1111 takes it, at its first end-of-text token; null for a model without one.
     */
    public Tensor pooled(List<PromptChunker.Chunk> chunks) {
        for (TextEncoder encoder : textEncoders) {
            if (encoder.hasPooled()) {
                int[] ids = paddedFor(encoder, chunks.get(0).ids());
                long eos = firstEos(ids);
                return encoder.pooled(new int[][] {ids}, new long[] {eos});
            }
        }
        return null;
    }

    private Tensor encodeChunk(PromptChunker.Chunk chunk, int clipSkip) {
        return Tensors.scoped(() -> {
            Tensor[] parts = new Tensor[textEncoders.size()];
            for (int k = 0; k < parts.length; k++) {
                TextEncoder encoder = textEncoders.get(k);
                Tensor z = encoder.encode(new int[][] {paddedFor(encoder, chunk.ids())}, clipSkip);
                parts[k] = syntax.a1111() ? EmphasisWeights.apply(syntax.emphasis(), z, chunk.weights()) : z;
            }
            return parts.length == 1 ? parts[0] : torch.cat(new TensorVector(parts), 2);
        });
    }

    /** {@code ids} with every id after the first end-of-text replaced by {@code encoder}'s padding id. */
    private int[] paddedFor(TextEncoder encoder, int[] ids) {
        if (encoder.padId() == tokenizer.padId()) {
            return ids;
        }
        int[] out = ids.clone();
        for (int i = (int) firstEos(ids) + 1; i < out.length; i++) {
            out[i] = encoder.padId();
        }
        return out;
    }

    private long firstEos(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == tokenizer.eosId()) {
                return i;
            }
        }
        throw new IllegalStateException("a chunk without end-of-text: " + java.util.Arrays.toString(ids));
    }
}
