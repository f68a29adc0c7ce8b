package dev.torchsd.sdxl;

import dev.torchsd.TestPython;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The reduced SDXL base and refiner (tiny widths, both text towers, {@code label_emb}, random weights):
 * {@code native/tests/fake_checkpoints.py single sdxl-small} (or {@code sdxl-refiner-small}) exported by
 * {@code ./cppbuild.sh export}, as a user exports a downloaded SDXL file.
 */
public final class SdxlModels {
    private SdxlModels() {}

    /** Exports fake checkpoint {@code kind} into {@code dir/kind} and returns that folder. */
    public static Path export(Path dir, String kind) throws IOException, InterruptedException {
        TestPython.assumeModules("the SDXL export was not tested", "torch", "numpy", "regex");
        Path tokenizer = dir.resolve("tok");
        if (!tokenizer.toFile().isDirectory()) {
            tokenizer = TestPython.tinyTokenizer(dir);
        }
        Path model = dir.resolve(kind);
        TestPython.exportFakeCheckpoint(kind, dir.resolve(kind + ".safetensors"), tokenizer, model);
        return model;
    }
}
