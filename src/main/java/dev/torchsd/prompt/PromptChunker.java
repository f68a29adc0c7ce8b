package dev.torchsd.prompt;

import dev.torchsd.pipeline.PromptSyntax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a tokenized prompt of any length into chunks of at most 75 tokens, each encoded on its
 * own as start-of-text, the tokens, end-of-text and padding (77 ids, what the text encoder was
 * trained on), as AUTOMATIC1111 does:
 * <ul>
 *   <li>a chunk is full at 75 tokens; BREAK ends a chunk early (the rest is padding);</li>
 *   <li>a group (an embedding's vectors) that does not fit in the current chunk starts the next;</li>
 *   <li>comma backtrack: when a chunk fills up and its last comma is at most {@code commaBacktrack}
 *       tokens back, the tokens after that comma move to the next chunk, so a phrase is not cut
 *       (0 turns this off; AUTOMATIC1111's default is 20);</li>
 *   <li>an empty prompt is one chunk of start, end and padding.</li>
 * </ul>
 * Start, end and padding have weight 1.
 */
public final class PromptChunker {
    /** Prompt tokens per chunk. */
    public static final int CHUNK_TOKENS = PromptSyntax.CHUNK_TOKENS;
    /** Ids per chunk: start-of-text, 75 tokens, end-of-text. */
    public static final int CHUNK_LENGTH = CHUNK_TOKENS + 2;
    /** AUTOMATIC1111's default comma backtrack. */
    public static final int DEFAULT_COMMA_BACKTRACK = PromptSyntax.DEFAULT_COMMA_BACKTRACK;

    /** The 77 ids of one chunk and their weights. */
    public record Chunk(int[] ids, float[] weights) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Chunk c && Arrays.equals(ids, c.ids) && Arrays.equals(weights, c.weights);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(ids) + Arrays.hashCode(weights);
        }

        @Override
        public String toString() {
            return "Chunk" + Arrays.toString(ids);
        }
    }

    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int commaId;
    private final int commaBacktrack;

    /**
     * @param commaId        the id of the comma token ({@code ,</w>}), or -1 for none
     * @param commaBacktrack how far back a comma may be to move the words after it (0 = never)
     */
    public PromptChunker(int bosId, int eosId, int padId, int commaId, int commaBacktrack) {
        if (commaBacktrack < 0 || commaBacktrack > CHUNK_TOKENS) {
            throw new IllegalArgumentException(
                    "comma backtrack must be in 0.." + CHUNK_TOKENS + ", got " + commaBacktrack);
        }
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.commaId = commaId;
        this.commaBacktrack = commaBacktrack;
    }

    /** The chunks of {@code groups}, in order; at least one. */
    public List<Chunk> chunk(List<TokenGroup> groups) {
        Builder b = new Builder();
        for (TokenGroup group : groups) {
            if (group.isBreak()) {
                b.next();
                continue;
            }
            if (group.size() > CHUNK_TOKENS) {
                throw new IllegalArgumentException(
                        "a group of " + group.size() + " tokens cannot fit in a chunk of " + CHUNK_TOKENS);
            }
            int first = group.ids()[0];
            if (first == commaId && group.size() == 1) {
                b.lastComma = b.ids.size();
            } else if (commaBacktrack != 0
                    && b.ids.size() == CHUNK_TOKENS
                    && b.lastComma != -1
                    && b.ids.size() - b.lastComma <= commaBacktrack) {
                b.moveAfterLastCommaToNext();
            }
            if (b.ids.size() + group.size() > CHUNK_TOKENS) {
                b.next();
            }
            for (int id : group.ids()) {
                b.ids.add(id);
                b.weights.add((float) group.weight());
            }
        }
        if (!b.ids.isEmpty() || b.chunks.isEmpty()) {
            b.next();
        }
        return b.chunks;
    }

    /** The chunk of an empty prompt: what a shorter prompt is padded with. */
    public Chunk emptyChunk() {
        return new Builder().close(List.of(), List.of());
    }

    /** The chunk being filled and those done. */
    private final class Builder {
        final List<Chunk> chunks = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Float> weights = new ArrayList<>();
        int lastComma = -1;

        void next() {
            chunks.add(close(ids, weights));
            ids = new ArrayList<>();
            weights = new ArrayList<>();
            lastComma = -1;
        }

        void moveAfterLastCommaToNext() {
            int cut = lastComma + 1;
            List<Integer> movedIds = new ArrayList<>(ids.subList(cut, ids.size()));
            List<Float> movedWeights = new ArrayList<>(weights.subList(cut, weights.size()));
            ids.subList(cut, ids.size()).clear();
            weights.subList(cut, weights.size()).clear();
            next();
            ids = movedIds;
            weights = movedWeights;
        }

        Chunk close(List<Integer> tokenIds, List<Float> tokenWeights) {
            int[] out = new int[CHUNK_LENGTH];
            float[] w = new float[CHUNK_LENGTH];
            Arrays.fill(out, padId);
            Arrays.fill(w, 1.0f);
            out[0] = bosId;
            for (int i = 0; i < tokenIds.size(); i++) {
                out[1 + i] = tokenIds.get(i);
                w[1 + i] = tokenWeights.get(i);
            }
            out[1 + tokenIds.size()] = eosId;
            return new Chunk(out, w);
        }
    }
}
