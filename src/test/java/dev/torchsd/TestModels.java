package dev.torchsd;

import dev.torchsd.model.BuiltinModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The built-in tiny model, and writable copies of it for tests that damage a model folder. */
public final class TestModels {
    private TestModels() {}

    public static Path builtinFolder() {
        return BuiltinModel.folder();
    }

    /** A copy of the built-in model folder under {@code dir}. */
    public static Path copyOfBuiltin(Path dir) {
        Path source = builtinFolder();
        Path target = dir.resolve("model");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
