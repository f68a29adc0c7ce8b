package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationListener;
import sun.misc.Signal;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C on the command line: the first one asks the running generation to stop after its current
 * step (so no thread is inside libtorch when the JVM exits; exiting mid-call lets C++ static
 * destructors run under a working thread and crashes the JVM); a second one quits at once.
 */
final class Interrupts {
    private static final AtomicBoolean REQUESTED = new AtomicBoolean();

    private Interrupts() {
    }

    /** Replaces the JVM's default SIGINT handling; only the real command line calls this. */
    static void install(PrintStream err) {
        try {
            Signal.handle(new Signal("INT"), signal -> {
                if (REQUESTED.getAndSet(true)) {
                    Runtime.getRuntime().halt(130);
                }
                err.println();
                err.println("stopping after the current step (Ctrl-C again to quit at once)");
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGINT on this platform: the JVM's default handling stays
        }
    }

    static boolean requested() {
        return REQUESTED.get();
    }

    /** A listener that stops the generation once Ctrl-C was pressed. */
    static GenerationListener stopOnInterrupt() {
        return GenerationListener.onEachStep(progress -> !requested());
    }
}
