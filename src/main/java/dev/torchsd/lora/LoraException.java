package dev.torchsd.lora;

import dev.torchsd.error.TorchsdException;

/** A LoRA file that cannot be read or does not fit the model; the message names the file, key, expected and found. */
public final class LoraException extends TorchsdException {
    public LoraException(String message) {
        super(message);
    }

    public LoraException(String message, Throwable cause) {
        super(message, cause);
    }
}
