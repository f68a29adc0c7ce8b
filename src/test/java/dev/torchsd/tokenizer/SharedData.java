package dev.torchsd.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The project's reference data in {@code ../shared} (override with {@code -Dtorchsd.shared=DIR}); tests that
 * need it are skipped, with the reason, when it is absent (e.g. on a fresh clone).
 */
final class SharedData {
    private SharedData() {}

    /** {@code relative} inside the shared folder; skips the calling test when it does not exist. */
    static Path require(String relative) {
        Path shared = Path.of(
                System.getProperty("torchsd.shared", Path.of("..", "shared").toString()));
        Path file = shared.resolve(relative);
        Assumptions.assumeTrue(
                Files.exists(file),
                "../shared not found: " + file.toAbsolutePath()
                        + " is missing (set -Dtorchsd.shared=DIR to the shared reference data)");
        return file;
    }

    /** The real CLIP vocabulary in Hugging Face's layout, with SD 1.x padding. */
    static ClipTokenizer realTokenizer() {
        return ClipTokenizer.fromFolder(require("clip"), 49407);
    }
}
