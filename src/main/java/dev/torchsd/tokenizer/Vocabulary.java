package dev.torchsd.tokenizer;

import java.util.List;
import java.util.Map;

/**
 * A CLIP vocabulary as read from disk, before it is checked and turned into a {@link BytePairEncoder}.
 *
 * @param idsByToken  token text to id
 * @param merges      the merges in rank order (rank = index)
 * @param vocabSource where {@code idsByToken} came from, for error messages (a file name)
 * @param mergesSource where {@code merges} came from, for error messages
 */
record Vocabulary(Map<String, Integer> idsByToken, List<Merge> merges, String vocabSource, String mergesSource) {

    /** One merge: the tokens {@code left} and {@code right} side by side become {@code left + right}. */
    record Merge(String left, String right, int line) {}
}
