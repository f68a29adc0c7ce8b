package dev.torchsd.error;

/**
 * The one exception type of torchsd. Every area has its own subtype (tokenizer, scheduler, embedding,
 * model, request) whose message names the file or field, what was expected and what was found.
 * The CLI prints the message on one line and exits with code 2; a stack trace is only for bugs.
 */
public class TorchsdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the problem: file or field, what was expected and what was found */
    public TorchsdException(String message) {
        super(message);
    }

    /**
     * @param message the problem: file or field, what was expected and what was found
     * @param cause the lower-level failure (an I/O error, a libtorch error)
     */
    public TorchsdException(String message, Throwable cause) {
        super(message, cause);
    }
}
