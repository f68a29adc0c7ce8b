package dev.torchsd.pipeline;

import dev.torchsd.TorchsdException;

/** Thrown by a generation whose progress listener asked to stop; its native memory is already freed. */
public class GenerationCancelledException extends TorchsdException {
    public GenerationCancelledException(int step, int totalSteps) {
        super("generation cancelled after step " + step + " of " + totalSteps);
    }
}
