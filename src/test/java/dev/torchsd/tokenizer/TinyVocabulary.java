package dev.torchsd.tokenizer;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The committed tiny CLIP-format vocabulary (scripts/tokenizer/make_tiny_vocab.py): the 512 byte symbols
 * in CLIP's order, 18 merges (ids 512..529) and the two special tokens. Ids of the byte symbols follow CLIP:
 * a printable ASCII character {@code c} is {@code c - 33}, with {@code </w>} it is {@code c - 33 + 256}.
 */
final class TinyVocabulary {
    static final int BOS = 530;
    static final int EOS = 531;
    static final int SIZE = 532;

    private TinyVocabulary() {}

    static Path folder() {
        try {
            return Path.of(TinyVocabulary.class.getResource("tiny/vocab.json").toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ClipTokenizer tokenizer() {
        return ClipTokenizer.fromFolder(folder(), EOS);
    }

    /** The id of a printable ASCII character's symbol. */
    static int symbol(char c) {
        return c - 33;
    }

    /** The id of a printable ASCII character's symbol with the end-of-word mark. */
    static int endSymbol(char c) {
        return c - 33 + 256;
    }
}
