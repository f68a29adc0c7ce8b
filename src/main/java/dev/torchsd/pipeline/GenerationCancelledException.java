package dev.torchsd.pipeline;

import java.util.concurrent.CancellationException;

/**
 * Thrown by a generation that was cancelled: its listener asked to stop, or its model is being
 * closed. Not an error of the request (not a {@code TorchsdException}); its native memory is already freed.
 */
public class GenerationCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /**
     * A generation stopped after {@code step} of its {@code totalSteps} model calls.
     *
     * @param step the last model call that ran, counted from 1
     * @param totalSteps the model calls the generation would have made
     */
    public GenerationCancelledException(int step, int totalSteps) {
        super("generation cancelled after step " + step + " of " + totalSteps);
    }

    /** @param message why and where the generation stopped */
    public GenerationCancelledException(String message) {
        super(message);
    }
}
