package dev.torchsd.embedding;

import dev.torchsd.error.TorchsdException;

/**
 * A textual-inversion file, safetensors file or torch archive that cannot be read or used.
 * Messages name the file and the field, what was expected and what was found.
 */
public class EmbeddingException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public EmbeddingException(String message) {
        super(message);
    }

    public EmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }
}
