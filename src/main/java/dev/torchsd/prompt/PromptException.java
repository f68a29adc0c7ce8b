package dev.torchsd.prompt;

import dev.torchsd.error.TorchsdException;

/** A prompt setting or prompt that torchsd cannot use (other than a syntax error, {@link PromptSyntaxException}). */
public class PromptException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public PromptException(String message) {
        super(message);
    }
}
