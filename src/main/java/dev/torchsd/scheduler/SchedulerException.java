package dev.torchsd.scheduler;

import dev.torchsd.error.TorchsdException;

/** A bad scheduler name, config key, config value or step count. The message names what was expected and found. */
public class SchedulerException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public SchedulerException(String message) {
        super(message);
    }
}
