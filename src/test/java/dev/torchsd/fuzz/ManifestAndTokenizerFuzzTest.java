package dev.torchsd.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchsd.TestModels;
import dev.torchsd.model.Manifest;
import dev.torchsd.tokenizer.ClipTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of damaged manifests and tokenizer files: each loads or is refused with torchsd's own
 * exception; none escapes with another exception, an OutOfMemoryError or a StackOverflowError.
 * More cases: {@code -Dfuzz.cases=100000}.
 */
class ManifestAndTokenizerFuzzTest {
    static final int CASES = Integer.getInteger("fuzz.cases", 1000);

    @TempDir
    Path tmp;

    @Test
    void damagedManifests() throws Exception {
        Path model = TestModels.copyOfBuiltin(tmp);
        byte[] original = Files.readAllBytes(model.resolve("model.json"));
        Mutator mutator = new Mutator(1);
        FuzzOutcomes outcomes = new FuzzOutcomes();
        for (int i = 0; i < CASES; i++) {
            byte[] input = mutator.mutate(original);
            outcomes.run("model.json", i, input, bytes -> {
                Files.write(model.resolve("model.json"), bytes);
                Manifest.read(model);
            });
        }
        System.out.println("manifest fuzz: " + outcomes);
        assertEquals(CASES, outcomes.total());
    }

    @Test
    void damagedVocabularyAndMerges() throws Exception {
        Path model = TestModels.copyOfBuiltin(tmp);
        Path tokenizer = model.resolve("tokenizer");
        for (String file : new String[] {"vocab.json", "merges.txt"}) {
            byte[] original = Files.readAllBytes(tokenizer.resolve(file));
            Mutator mutator = new Mutator(file.hashCode());
            FuzzOutcomes outcomes = new FuzzOutcomes();
            for (int i = 0; i < CASES; i++) {
                byte[] input = mutator.mutate(original);
                outcomes.run(file, i, input, bytes -> {
                    Files.write(tokenizer.resolve(file), bytes);
                    ClipTokenizer t = ClipTokenizer.fromFolder(tokenizer, 0);
                    t.encode("a red circle on the left, blue background");
                });
            }
            Files.write(tokenizer.resolve(file), original);
            System.out.println(file + " fuzz: " + outcomes);
            assertTrue(outcomes.total() == CASES);
        }
    }
}
