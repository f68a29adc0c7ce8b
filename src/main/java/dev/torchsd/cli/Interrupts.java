package dev.torchsd.cli;

import dev.torchsd.pipeline.GenerationListener;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C on the command line: the first one asks the running generation to stop after its current
 * step (so no thread is inside libtorch when the JVM exits; exiting mid-call lets C++ static
 * destructors run under a working thread and crashes the JVM); a second one quits at once.
 */
final class Interrupts {
    private static final AtomicBoolean REQUESTED = new AtomicBoolean();

    private Interrupts() {}

    /**
     * Replaces the JVM's default SIGINT handling; only the real command line calls this. Java has no
     * public API for signals: this uses {@code sun.misc.Signal} (module jdk.unsupported) through
     * reflection, because javac's warning for naming that class cannot be suppressed and the build
     * fails on warnings.
     */
    static void install(PrintStream err) {
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            case "handle" -> {
                onInterrupt(err);
                yield null;
            }
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "Ctrl-C handler";
        };
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handlerProxy =
                    Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, handler);
            signal.getMethod("handle", signal, handlerType)
                    .invoke(null, signal.getConstructor(String.class).newInstance("INT"), handlerProxy);
        } catch (ReflectiveOperationException e) {
            // no sun.misc.Signal, or no SIGINT on this platform (IllegalArgumentException inside):
            // the JVM's default handling stays
        }
    }

    private static void onInterrupt(PrintStream err) {
        if (REQUESTED.getAndSet(true)) {
            Runtime.getRuntime().halt(130);
        }
        err.println();
        err.println("stopping after the current step (Ctrl-C again to quit at once)");
    }

    static boolean requested() {
        return REQUESTED.get();
    }

    /** A listener that stops the generation once Ctrl-C was pressed. */
    static GenerationListener stopOnInterrupt() {
        return GenerationListener.onEachStep(progress -> !requested());
    }
}
