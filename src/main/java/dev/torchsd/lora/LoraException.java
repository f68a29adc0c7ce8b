package dev.torchsd.lora;

import dev.torchsd.error.TorchsdException;

/** A LoRA file that cannot be read or does not fit the model; the message names the file, key, expected and found. */
public final class LoraException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public LoraException(String message) {
        super(message);
    }

    public LoraException(String message, Throwable cause) {
        super(message, cause);
    }
}
