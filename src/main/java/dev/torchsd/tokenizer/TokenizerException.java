package dev.torchsd.tokenizer;

import dev.torchsd.error.TorchsdException;

/**
 * A tokenizer problem the user can fix: a missing or malformed vocabulary file (the message names the
 * file and line), a merge whose tokens the vocabulary lacks, an added token that already exists, an id
 * outside the vocabulary.
 */
public class TokenizerException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
