package dev.torchsd.runtime;

import dev.torchsd.error.TorchsdException;

/** A device or load option this process cannot use; the message names the value and what is accepted. */
public class DeviceException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    /** @param message the value, and what is accepted */
    public DeviceException(String message) {
        super(message);
    }
}
