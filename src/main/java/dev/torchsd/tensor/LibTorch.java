package dev.torchsd.tensor;

import dev.torchsd.error.TorchsdException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.bytedeco.javacpp.Loader;

/**
 * Loads libtorch's native libraries safely. Call {@link #ensureLoaded()} before the first use of any
 * {@code org.bytedeco.pytorch} class.
 *
 * <p>Why: on the first run JavaCPP extracts the natives to {@code ~/.javacpp/cache} one library at a
 * time. If another libtorch is installed system-wide (Debian's {@code python3-torch} puts
 * {@code libtorch_cpu.so} in {@code /lib/x86_64-linux-gnu}), the dynamic linker can resolve a
 * dependency that is not extracted yet to that other copy, and two libtorch builds registering
 * the same operators crash the JVM. Extracting the whole platform folder first avoids that.
 *
 * <p>On the module path the native jars are modules that no module requires, so they are only
 * there with {@code --add-modules ALL-MODULE-PATH} (or their names); without them the load fails
 * with an error that says so.
 */
public final class LibTorch {
    private static volatile boolean loaded;

    private LibTorch() {}

    public static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (LibTorch.class) {
            if (loaded) {
                return;
            }
            String folder = "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
            File[] extracted;
            try {
                extracted = Loader.cacheResources(LibTorch.class, folder);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract libtorch's native libraries to the JavaCPP cache", e);
            }
            try {
                Loader.load(org.bytedeco.pytorch.global.torch.class);
            } catch (UnsatisfiedLinkError e) {
                if (extracted.length > 0) {
                    throw e;
                }
                throw new TorchsdException(
                        "libtorch's native libraries for " + Loader.getPlatform()
                                + " are missing (no resource " + folder
                                + "): depend on org.bytedeco:pytorch with classifier "
                                + Loader.getPlatform() + " (or on pytorch-platform), and on the module path add"
                                + " --add-modules ALL-MODULE-PATH, since no module requires the native jars' modules",
                        e);
            }
            loaded = true;
        }
    }
}
