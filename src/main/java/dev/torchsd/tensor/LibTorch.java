package dev.torchsd.tensor;

import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Loads libtorch's native libraries safely. Call {@link #ensureLoaded()} before the first use of any
 * {@code org.bytedeco.pytorch} class.
 *
 * <p>Why: on the first run JavaCPP extracts the natives to {@code ~/.javacpp/cache} one library at a
 * time. If another libtorch is installed system-wide (Debian's {@code python3-torch} puts
 * {@code libtorch_cpu.so} in {@code /lib/x86_64-linux-gnu}), the dynamic linker can resolve a
 * dependency that is not extracted yet to that other copy, and two libtorch builds registering
 * the same operators crash the JVM. Extracting the whole platform folder first avoids that.
 */
public final class LibTorch {
    private static volatile boolean loaded;

    private LibTorch() {
    }

    public static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (LibTorch.class) {
            if (loaded) {
                return;
            }
            try {
                Loader.cacheResources(LibTorch.class, "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract libtorch's native libraries to the JavaCPP cache", e);
            }
            Loader.load(org.bytedeco.pytorch.global.torch.class);
            loaded = true;
        }
    }
}
