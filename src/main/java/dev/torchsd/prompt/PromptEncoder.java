package dev.torchsd.prompt;

import dev.torchsd.model.Model;
import dev.torchsd.model.TextEncoder;
import dev.torchsd.tensor.LibTorch;
import dev.torchsd.tensor.Tensors;
import dev.torchsd.tokenizer.ClipTokenizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Weighted prompt fragments to text-encoder hidden states of any length, as AUTOMATIC1111 does:
 * each fragment is tokenized on its own, the tokens are cut into 75-token chunks
 * ({@link PromptChunker}), each chunk goes through the text encoder as 77 ids, gets its weights
 * ({@link Emphasis}), and the chunks are joined along the sequence: (1, 77 × chunks, hidden).
 *
 * <p>Textual-inversion tokens (ids past the base vocabulary, expanded to all their vectors as
 * diffusers does) form one {@link TokenGroup}, so an embedding is never split over two chunks.
 */
public final class PromptEncoder {
    static {
        LibTorch.ensureLoaded();
    }

    private final ClipTokenizer tokenizer;
    private final TextEncoder textEncoder;
    private final int baseVocabulary;
    private final PromptChunker chunker;
    private final Emphasis emphasis;
    private final int clipSkip;

    public PromptEncoder(ClipTokenizer tokenizer, TextEncoder textEncoder, int baseVocabulary, PromptSyntax syntax,
                         int clipSkip) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.baseVocabulary = baseVocabulary;
        this.chunker = new PromptChunker(tokenizer.bosId(), tokenizer.eosId(), tokenizer.padId(), commaId(tokenizer),
                syntax.commaBacktrack());
        this.emphasis = syntax.emphasis();
        this.clipSkip = clipSkip;
    }

    public static PromptEncoder forModel(Model model, PromptSyntax syntax, int clipSkip) {
        return new PromptEncoder(model.tokenizer(), model.textEncoder(), model.manifest().textEncoder().vocabSize(),
                syntax, clipSkip);
    }

    /** The id of the lone comma token, or -1 when the vocabulary has none. */
    private static int commaId(ClipTokenizer tokenizer) {
        int[] ids = tokenizer.encode(",");
        return ids.length == 3 ? ids[1] : -1;
    }

    /** The token groups of {@code fragments}: one per token, one per run of textual-inversion tokens. */
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
            int[] withEnds = tokenizer.encode(tokenizer.expandMultiVectorTokens(f.text()));
            int[] ids = Arrays.copyOfRange(withEnds, 1, withEnds.length - 1);
            int i = 0;
            while (i < ids.length) {
                int end = i + 1;
                if (ids[i] >= baseVocabulary) {
                    while (end < ids.length && ids[end] >= baseVocabulary) {
                        end++;
                    }
                }
                groups.add(TokenGroup.of(f.weight(), Arrays.copyOfRange(ids, i, end)));
                i = end;
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
