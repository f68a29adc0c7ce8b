package dev.torchsd.model;

import dev.torchsd.error.TorchsdException;

/** A model folder, manifest, TorchScript file or device that cannot be used; the message says which and why. */
public class ModelException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
