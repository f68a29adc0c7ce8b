package dev.torchsd.prompt;

import dev.torchsd.embedding.LoadedEmbedding;
import dev.torchsd.model.Model;
import dev.torchsd.model.TextEncoder;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weighted prompt fragments to text-encoder hidden states of any length, as AUTOMATIC1111 does:
 * each fragment is tokenized on its own, the tokens are cut into 75-token chunks
 * ({@link PromptChunker}), each chunk goes through the text encoder as 77 ids, gets its weights
 * ({@link Emphasis}), and the chunks are joined along the sequence: (1, 77 × chunks, hidden).
 *
 * <p>A textual-inversion embedding's trigger token stands for all its tokens ({@code T T_1 …},
 * as the model's own prompt encoding expands it), and they form one {@link TokenGroup}, so an
 * embedding is never split over two chunks.
 */
public final class PromptEncoder {
    static {
        LibTorch.ensureLoaded();
    }

    private final ClipTokenizer tokenizer;
    private final TextEncoder textEncoder;
    private final Map<Integer, int[]> embeddingIdsByTrigger;
    private final PromptChunker chunker;
    private final Emphasis emphasis;
    private final int clipSkip;

    /**
     * @param textEncoder           the text encoder, or null for an encoder that only tokenizes and chunks
     * @param embeddingIdsByTrigger each textual-inversion embedding's ids, by its first (trigger) id
     */
    public PromptEncoder(ClipTokenizer tokenizer, TextEncoder textEncoder, Map<Integer, int[]> embeddingIdsByTrigger,
                         PromptSyntax syntax, int clipSkip) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.embeddingIdsByTrigger = Map.copyOf(embeddingIdsByTrigger);
        this.chunker = new PromptChunker(tokenizer.bosId(), tokenizer.eosId(), tokenizer.padId(), commaId(tokenizer),
                syntax.commaBacktrack());
        this.emphasis = syntax.emphasis();
        this.clipSkip = clipSkip;
    }

    /** An encoder for {@code model} with the textual-inversion embeddings loaded into it now. */
    public static PromptEncoder forModel(Model model, PromptSyntax syntax, int clipSkip) {
        Map<Integer, int[]> embeddings = new HashMap<>();
        for (LoadedEmbedding e : model.textualInversions()) {
            embeddings.put(e.ids()[0], e.ids());
        }
        return new PromptEncoder(model.tokenizer(), model.textEncoder(), embeddings, syntax, clipSkip);
    }

    /** The id of the lone comma token, or -1 when the vocabulary has none. */
    private static int commaId(ClipTokenizer tokenizer) {
        int[] ids = tokenizer.encode(",");
        return ids.length == 3 ? ids[1] : -1;
    }

    /** The token groups of {@code fragments}: one per token, one per embedding (all its vectors). */
    public List<TokenGroup> tokenize(List<Fragment> fragments) {
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
            for (int i = 1; i < withEnds.length - 1; i++) {
                int[] embedding = embeddingIdsByTrigger.get(withEnds[i]);
                groups.add(TokenGroup.of(f.weight(), embedding != null ? embedding : new int[] {withEnds[i]}));
            }
        }
        return groups;
    }

    /** The 77-id chunks of {@code fragments}. */
    public List<PromptChunker.Chunk> chunks(List<Fragment> fragments) {
        try {
            return chunker.chunk(tokenize(fragments));
        } catch (IllegalArgumentException e) {
            throw new PromptException("cannot chunk the prompt: " + e.getMessage() + " (an embedding with more than "
                    + PromptChunker.CHUNK_TOKENS + " vectors)");
        }
    }

    /** The chunk of the empty prompt, which pads a prompt with fewer chunks. */
    public PromptChunker.Chunk emptyChunk() {
        return chunker.emptyChunk();
    }

    /** Hidden states (1, 77 × chunks, hidden) of {@code chunks}, in the caller's scope. */
    public Tensor encode(List<PromptChunker.Chunk> chunks) {
        return Tensors.scoped(() -> {
            Tensor[] parts = new Tensor[chunks.size()];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = encodeChunk(chunks.get(i));
            }
            return parts.length == 1 ? parts[0] : torch.cat(new TensorVector(parts), 1);
        });
    }

    private Tensor encodeChunk(PromptChunker.Chunk chunk) {
        return Tensors.scoped(() -> emphasis.apply(textEncoder.encode(new int[][] {chunk.ids()}, clipSkip),
                chunk.weights()));
    }
}
