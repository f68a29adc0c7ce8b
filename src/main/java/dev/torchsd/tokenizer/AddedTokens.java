package dev.torchsd.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens added after the base vocabulary (textual-inversion triggers such as {@code <cat-toy>}), and
 * how they are found in a prompt: in the raw text, before any cleaning or BPE, case-sensitively, the
 * leftmost occurrence first and among those starting at one place the longest — as Hugging Face's
 * added-token split does. The text between them is tokenized normally.
 *
 * <p>Immutable: {@link #with} returns a new set, so a tokenizer can swap it atomically.
 */
final class AddedTokens {
    static final AddedTokens NONE = new AddedTokens(List.of(), 0);

    /** A piece of a prompt: either an added token's id, or text for the normal tokenizer ({@code id} -1). */
    record Piece(String text, int id) {
        boolean isAddedToken() {
            return id >= 0;
        }
    }

    private final List<String> tokens;
    private final List<String> longestFirst;
    private final Map<String, Integer> ids;
    private final int firstId;

    private AddedTokens(List<String> tokens, int firstId) {
        this.tokens = List.copyOf(tokens);
        this.firstId = firstId;
        this.ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), firstId + i);
        }
        List<String> sorted = new ArrayList<>(tokens);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        this.longestFirst = List.copyOf(sorted);
    }

    /** This set plus {@code more}, numbered from {@code nextId} when this set is still empty. */
    AddedTokens with(List<String> more, int nextId) {
        List<String> all = new ArrayList<>(tokens);
        all.addAll(more);
        return new AddedTokens(all, tokens.isEmpty() ? nextId : firstId);
    }

    boolean isEmpty() {
        return tokens.isEmpty();
    }

    int size() {
        return tokens.size();
    }

    /** The id of an added token, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The text of an added token's id, or null when the id is not an added token. */
    String token(int id) {
        int index = id - firstId;
        return index >= 0 && index < tokens.size() ? tokens.get(index) : null;
    }

    /** {@code text} cut into added tokens and the text around them, in order; empty texts left out. */
    List<Piece> split(String text) {
        List<Piece> pieces = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int bestStart = -1;
            String best = null;
            for (String token : longestFirst) {
                int start = text.indexOf(token, from);
                if (start >= 0 && (bestStart < 0 || start < bestStart)) {
                    bestStart = start;
                    best = token;
                }
            }
            if (best == null) {
                break;
            }
            if (bestStart > from) {
                pieces.add(new Piece(text.substring(from, bestStart), -1));
            }
            pieces.add(new Piece(best, ids.get(best)));
            from = bestStart + best.length();
        }
        if (from < text.length()) {
            pieces.add(new Piece(text.substring(from), -1));
        }
        return pieces;
    }
}
