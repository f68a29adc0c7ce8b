package dev.torchsd.embedding;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every valid fixture, damaged in many seeded ways (bytes changed, cut short, bytes inserted): the
 * reader either reads it or refuses it with an {@link EmbeddingException} — never another exception,
 * an OutOfMemoryError or a hang.
 */
class CorruptedFilesTest {
    private static final int VARIANTS = 300;

    @TempDir
    Path tmp;

    static List<String> validFixtures() {
        return TextualInversionReaderTest.validFixtures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFixtures")
    void damagedCopiesAreReadOrRefusedCleanly(String name) throws IOException {
        byte[] original = Files.readAllBytes(Fixtures.file(name));
        Random random = new Random(name.hashCode());
        String extension = name.substring(name.lastIndexOf('.'));
        for (int variant = 0; variant < VARIANTS; variant++) {
            byte[] damaged = damage(original, random);
            Path file = tmp.resolve("v" + variant + extension);
            Files.write(file, damaged);
            try {
                TextualInversionReader.read(file);
            } catch (EmbeddingException expected) {
                // refused, with a message: fine
            } catch (RuntimeException | Error e) {
                fail(name + " variant " + variant + ": " + e, e);
            }
        }
    }

    /** One to four random changes: flip bytes (often in the first 600, where headers and pickles are), cut, insert. */
    static byte[] damage(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int changes = 1 + random.nextInt(4);
        for (int c = 0; c < changes && bytes.length > 0; c++) {
            int kind = random.nextInt(10);
            int limit = random.nextBoolean() ? Math.min(600, bytes.length) : bytes.length;
            int at = random.nextInt(limit);
            if (kind < 7) {
                bytes[at] = (byte) (random.nextInt(8) == 0 ? 0xff : random.nextInt(256));
            } else if (kind < 9) {
                bytes = java.util.Arrays.copyOf(bytes, at);
            } else {
                byte[] longer = new byte[bytes.length + 1 + random.nextInt(8)];
                System.arraycopy(bytes, 0, longer, 0, at);
                for (int i = at; i < at + longer.length - bytes.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                System.arraycopy(bytes, at, longer, at + longer.length - bytes.length, bytes.length - at);
                bytes = longer;
            }
        }
        return bytes;
    }
}
