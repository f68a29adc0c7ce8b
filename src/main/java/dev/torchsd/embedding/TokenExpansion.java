package dev.torchsd.embedding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How token ids of multi-vector embeddings expand in a prompt: the id of {@code T} becomes the ids
 * of {@code T T_1 … T_{n-1}}, wherever it occurs.
 *
 * <p>diffusers does the same by rewriting the prompt text ({@code prompt.replace(T, "T T_1 …")})
 * before tokenizing; doing it on ids gives the same ids for every prompt that names {@code T}, and
 * cannot rewrite the inside of a literal {@code T_1} that the user typed, which the text replace does.
 * Expansion happens before truncation to 77 ids, as in diffusers, so an embedding near the end of a
 * long prompt can be cut. Immutable.
 */
public final class TokenExpansion {
    /** No embeddings: every prompt stays as it is. */
    public static final TokenExpansion NONE = new TokenExpansion(Map.of());

    private final Map<Integer, int[]> idsByFirstId;

    private TokenExpansion(Map<Integer, int[]> idsByFirstId) {
        this.idsByFirstId = Map.copyOf(idsByFirstId);
    }

    /** This expansion plus one embedding whose tokens got {@code ids} (the first is the trigger). */
    public TokenExpansion with(int[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("an embedding has at least one token");
        }
        Map<Integer, int[]> more = new HashMap<>(idsByFirstId);
        if (more.putIfAbsent(ids[0], ids.clone()) != null) {
            throw new IllegalArgumentException("id " + ids[0] + " already expands");
        }
        return new TokenExpansion(more);
    }

    /**
     * The ids each of {@code ids} stands for, one array per id: the id itself, or all of its
     * embedding's ids for a trigger. Keeps an embedding's tokens together (AUTOMATIC1111's chunking
     * never splits one); {@link #expand} is these arrays joined.
     */
    public List<int[]> groups(int[] ids) {
        List<int[]> groups = new ArrayList<>(ids.length);
        for (int id : ids) {
            int[] expanded = idsByFirstId.get(id);
            groups.add(expanded != null ? expanded.clone() : new int[] {id});
        }
        return groups;
    }

    /** {@code ids} with every trigger id replaced by all of its embedding's ids. */
    public int[] expand(int[] ids) {
        if (idsByFirstId.isEmpty()) {
            return ids;
        }
        int length = 0;
        for (int id : ids) {
            int[] expanded = idsByFirstId.get(id);
            length += expanded == null ? 1 : expanded.length;
        }
        if (length == ids.length) {
            return ids;
        }
        int[] out = new int[length];
        int at = 0;
        for (int id : ids) {
            int[] expanded = idsByFirstId.get(id);
            if (expanded == null) {
                out[at++] = id;
            } else {
                System.arraycopy(expanded, 0, out, at, expanded.length);
                at += expanded.length;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("TokenExpansion{");
        idsByFirstId.forEach((id, all) ->
                text.append(id).append("→").append(Arrays.toString(all)).append(' '));
        return text.append('}').toString();
    }
}
