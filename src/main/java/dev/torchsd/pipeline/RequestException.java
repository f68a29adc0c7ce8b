package dev.torchsd.pipeline;

import dev.torchsd.error.TorchsdException;

/** A generation request with an invalid value; the message names the field, the value and the allowed range. */
public class RequestException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    /** @param message the field, the value and the allowed range */
    public RequestException(String message) {
        super(message);
    }
}
