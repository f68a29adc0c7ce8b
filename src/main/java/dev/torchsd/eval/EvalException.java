package dev.torchsd.eval;

import dev.torchsd.error.TorchsdException;

/** Bad input to the evaluation: an image the checker cannot read, a caption it cannot parse. */
public class EvalException extends TorchsdException {
    private static final long serialVersionUID = 1L;

    public EvalException(String message) {
        super(message);
    }
}
