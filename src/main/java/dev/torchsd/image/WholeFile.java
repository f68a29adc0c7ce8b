package dev.torchsd.image;

import dev.torchsd.error.TorchsdException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Output files that appear whole or not at all: the bytes go to a hidden temporary file beside the
 * target, which is then moved into place. One shutdown hook removes the temporary files an
 * interrupted process (Ctrl-C) leaves, instead of a per-file {@code deleteOnExit}, which would grow
 * without bound in a long-running server.
 */
public final class WholeFile {
    private static final Set<Path> PARTIAL_FILES = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> PARTIAL_FILES.forEach(WholeFile::deleteQuietly), "torchsd-partial-file-cleanup"));
    }

    private WholeFile() {}

    /** Checks that a file can be written at {@code file}: its folder exists and is writable, and it is not a folder. */
    public static void checkWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new TorchsdException("cannot write " + file + ": folder " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new TorchsdException("cannot write " + file + ": folder " + dir + " is not writable");
        }
        if (Files.isDirectory(file)) {
            throw new TorchsdException("cannot write " + file + ": it is a folder");
        }
    }

    /** Writes {@code bytes} to {@code file}, replacing it; a failure leaves no partial file. */
    public static void write(Path file, byte[] bytes) {
        Path target = file.toAbsolutePath();
        Path temp = null;
        try {
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
            PARTIAL_FILES.add(temp);
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new TorchsdException("cannot write " + file + ": " + e, e);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
                PARTIAL_FILES.remove(temp);
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: the temporary file is hidden and named after the target
        }
    }
}
